package dev.baton.config.migration;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Template leftovers in a value: the marks that an image's entrypoint, a Blade/Jinja template or a
 * setup guide expects someone to replace before the file is used ({@code %USER%},
 * {@code {{ LOGSPATH }}}, {@code <0x_CHANGE_THIS_TO_MY_ETH_FEE_RECIPIENT_ADDRESS>}). Found in an
 * imported value, they mean the file imported is not the file that runs.
 */
public final class Placeholders {
    private static final Pattern MARK = Pattern.compile(
            "%[A-Za-z_][A-Za-z0-9_]*%"                     // %USER%, the sed-in-entrypoint style
            + "|\\{\\{[^{}]*}}"                            // {{ LOGSPATH }}, Jinja / Mustache / Blade
            + "|<[A-Z0-9_]*[A-Z][A-Z0-9_]*_[A-Z0-9_]*>"     // <0x_CHANGE_THIS_TO_...>, <YOUR_ADDRESS> in guides
            + "|<0x_[A-Za-z0-9_]+>");

    private Placeholders() {
    }

    /** The first placeholder in {@code value}, or null. */
    public static String find(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = MARK.matcher(value);
        return m.find() ? m.group() : null;
    }

    /** The finding's text for a placeholder in a value. */
    public static String message(String placeholder) {
        return "contains the template placeholder " + placeholder + ", which a script or a person was to replace "
                + "before this file is used: import the file as it is rendered on the host (or replace it in the TOML)";
    }
}
