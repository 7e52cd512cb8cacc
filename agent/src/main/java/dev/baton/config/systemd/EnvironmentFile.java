package dev.baton.config.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code EnvironmentFile=} as systemd reads it: {@code NAME=VALUE} lines, {@code #} and {@code ;}
 * comments, a value in double quotes (backslash escapes {@code \" \\ \$ \`} and a newline) or single
 * quotes (literal), unquoted values trimmed, a trailing backslash continuing the line.
 */
final class EnvironmentFile {
    private EnvironmentFile() {
    }

    static Map<String, String> read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String joined = text.replace("\\\n", "");
        for (String raw : joined.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || !ExecLine.isName(line.substring(0, eq).strip())) {
                continue; // systemd logs and skips it
            }
            out.put(line.substring(0, eq).strip(), value(line.substring(eq + 1).strip()));
        }
        return out;
    }

    private static String value(String v) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    out.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < v.length() && "\"\\$`".indexOf(v.charAt(i + 1)) >= 0) {
                    out.append(v.charAt(++i));
                } else {
                    out.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '\\' && i + 1 < v.length()) {
                out.append(v.charAt(++i));
            } else if (c == '#' && (i == 0 || Character.isWhitespace(v.charAt(i - 1)))) {
                break; // a comment after the value
            } else {
                out.append(c);
            }
        }
        return out.toString().strip();
    }
}
