package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Pattern;

/** The rule for names of programs and engine groups: they appear in paths, URLs and log prefixes. */
final class Names {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final String RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters";

    private Names() {
    }

    static boolean valid(String name) {
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
