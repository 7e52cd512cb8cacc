package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The rule for names of programs and engine groups: they appear in paths, URLs and log prefixes. */
public final class Names {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    public static final String RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters";

    /**
     * Program names the CLI and API give a meaning of their own ({@code baton stop all}), or that
     * would pass for the agent in a log prefix; compared without case, like every program name.
     */
    static final Set<String> RESERVED = Set.of("all", "baton");

    private Names() {
    }

    /** Two names that differ only by case are one name to an operator (and to a case-insensitive file system). */
    static String folded(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    static boolean reserved(String name) {
        return RESERVED.contains(folded(name));
    }

    public static boolean valid(String name) {
        return NAME.matcher(name).matches();
    }

    /** The value as a name; rejects anything else with "expected WHAT (RULE), got ...". */
    static String require(JsonNode value, String what) {
        if (value.isTextual() && valid(value.textValue())) {
            return value.textValue();
        }
        throw new IllegalArgumentException("expected " + what + " of " + RULE + ", got " + ConfigNode.describe(value));
    }
}
