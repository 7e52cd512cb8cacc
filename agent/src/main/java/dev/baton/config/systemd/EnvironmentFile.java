package dev.baton.config.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@code EnvironmentFile=} as systemd reads it (env-file.c's state machine, then the check that
 * drops assignments whose name is not a variable name). It is not a shell: a {@code #} or {@code ;}
 * starts a comment only where a name could start, so {@code A=b # c} holds {@code b # c}; a quote
 * opens a quoted part only where a value (or the next part of one) starts, so {@code A=--x="y z"}
 * keeps its quotes; {@code export A=b} is a name with a blank in it, which systemd ignores.
 */
final class EnvironmentFile {
    private static final String BLANKS = " \t\n\r";
    /** What a backslash escapes inside double quotes (systemd's SHELL_NEED_ESCAPE); other escapes keep it. */
    private static final String DOUBLE_QUOTE_ESCAPES = "\"\\`$";

    /** The variables, and the assignments systemd ignores because their name is not valid. */
    record Parsed(Map<String, String> values, List<String> ignored) {
    }

    private enum State { PRE_KEY, KEY, PRE_VALUE, VALUE, VALUE_ESCAPE, SINGLE_QUOTED, DOUBLE_QUOTED, DOUBLE_QUOTED_ESCAPE, COMMENT }

    private EnvironmentFile() {
    }

    static Parsed read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    static Parsed parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        StringBuilder value = new StringBuilder();
        int valueEnd = -1; // where the trailing blanks of an unquoted value start, or -1
        State state = State.PRE_KEY;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean newline = c == '\n' || c == '\r';
            switch (state) {
                case PRE_KEY -> {
                    if (c == '#' || c == ';') {
                        state = State.COMMENT;
                    } else if (BLANKS.indexOf(c) < 0) {
                        key.append(c);
                        state = State.KEY;
                    }
                }
                case KEY -> {
                    if (newline) {
                        key.setLength(0); // a line without '=' is dropped
                        state = State.PRE_KEY;
                    } else if (c == '=') {
                        state = State.PRE_VALUE;
                    } else {
                        key.append(c);
                    }
                }
                case PRE_VALUE, VALUE -> {
                    if (newline) {
                        push(key, value(value, state == State.VALUE ? valueEnd : -1), values, ignored);
                        key.setLength(0);
                        value.setLength(0);
                        valueEnd = -1;
                        state = State.PRE_KEY;
                    } else if (c == '\\') {
                        valueEnd = -1;
                        state = State.VALUE_ESCAPE;
                    } else if (state == State.PRE_VALUE && c == '\'') {
                        state = State.SINGLE_QUOTED;
                    } else if (state == State.PRE_VALUE && c == '"') {
                        state = State.DOUBLE_QUOTED;
                    } else if (state == State.VALUE || BLANKS.indexOf(c) < 0) {
                        if (BLANKS.indexOf(c) < 0) {
                            valueEnd = -1;
                        } else if (valueEnd < 0) {
                            valueEnd = value.length();
                        }
                        value.append(c);
                        state = State.VALUE;
                    }
                }
                case VALUE_ESCAPE -> {
                    if (!newline) {
                        value.append(c); // an escaped newline continues the line
                    }
                    state = State.VALUE;
                }
                case SINGLE_QUOTED -> {
                    if (c == '\'') {
                        state = State.PRE_VALUE;
                    } else {
                        value.append(c);
                    }
                }
                case DOUBLE_QUOTED -> {
                    if (c == '"') {
                        state = State.PRE_VALUE;
                    } else if (c == '\\') {
                        state = State.DOUBLE_QUOTED_ESCAPE;
                    } else {
                        value.append(c);
                    }
                }
                case DOUBLE_QUOTED_ESCAPE -> {
                    if (DOUBLE_QUOTE_ESCAPES.indexOf(c) >= 0) {
                        value.append(c);
                    } else if (c != '\n') {
                        value.append('\\').append(c);
                    }
                    state = State.DOUBLE_QUOTED;
                }
                case COMMENT -> {
                    if (newline) {
                        state = State.PRE_KEY;
                    }
                }
            }
        }
        if (state != State.PRE_KEY && state != State.KEY && state != State.COMMENT) {
            // the last line has no newline (or an unclosed quote ran to the end): systemd takes it as it is
            push(key, value(value, state == State.VALUE ? valueEnd : -1), values, ignored);
        }
        return new Parsed(values, ignored);
    }

    /** The value without the trailing blanks of an unquoted end ({@code blanksFrom}, or -1 for none). */
    private static String value(StringBuilder value, int blanksFrom) {
        return blanksFrom >= 0 ? value.substring(0, blanksFrom) : value.toString();
    }

    private static void push(StringBuilder key, String value, Map<String, String> values, List<String> ignored) {
        String name = key.toString().strip();
        if (ExecLine.isName(name)) {
            values.put(name, value);
        } else {
            ignored.add(name + "=" + value);
        }
    }
}
