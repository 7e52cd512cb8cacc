package dev.baton.api;

import java.util.regex.Pattern;

/**
 * Program names as the API accepts them, checked before any lookup: a path segment such as
 * {@code ..}, {@code %2F} or a NUL never reaches the agent, let alone a file.
 */
final class ProgramNames {
    /** Every program: start/stop/restart/signal only. */
    static final String ALL = "all";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ProgramNames() {
    }

    static String check(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("invalid program name: expected 1-64 characters of letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }
}
