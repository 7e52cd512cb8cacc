package dev.baton.config.supervisord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An INI file read the way supervisord reads it (Python's RawConfigParser with
 * {@code inline_comment_prefixes=(';', '#')} and {@code strict=False}): {@code key = value} or
 * {@code key: value}, keys lowercased, full-line comments starting with {@code ;} or {@code #},
 * inline comments only after whitespace, a repeated section merging into the first. A line continues
 * the previous value only when it is indented deeper than that value's own line, so a file indented
 * as a whole (a block copied from a README, a heredoc in an indented script) reads as configparser
 * reads it: one key a line.
 */
final class IniFile {
    /** One value and where it was defined (an [include]d file may add values to a section of another file). */
    record Entry(String key, String value, Path file, int line) {
    }

    /** One section. */
    static final class Section {
        final String name;
        final Path file;
        final int line;
        final Map<String, Entry> entries = new LinkedHashMap<>();

        Section(String name, Path file, int line) {
            this.name = name;
            this.file = file;
            this.line = line;
        }

        String get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }
    }

    final Path file;
    final List<Section> sections = new ArrayList<>();

    private IniFile(Path file) {
        this.file = file;
    }

    static IniFile read(Path file) throws IOException {
        return parse(file, Files.readString(file, StandardCharsets.UTF_8));
    }

    static IniFile parse(Path file, String text) throws IOException {
        IniFile ini = new IniFile(file);
        Map<String, Section> byName = new LinkedHashMap<>();
        Section current = null;
        String key = null;
        StringBuilder value = null;
        int valueLine = 0;
        int keyIndent = 0;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String raw = lines[n];
            String stripped = raw.strip();
            if (stripped.startsWith(";") || stripped.startsWith("#")) {
                continue;
            }
            String line = stripInlineComment(raw);
            if (line.isBlank()) {
                if (key != null && line.length() == raw.length()) {
                    value.append('\n'); // configparser keeps an empty line inside a value (empty_lines_in_values)
                }
                continue;
            }
            int indent = indentOf(line);
            if (key != null && indent > keyIndent) {
                value.append('\n').append(line.strip());
                continue;
            }
            keyIndent = indent;
            if (key != null) {
                current.entries.put(key, new Entry(key, value.toString().strip(), file, valueLine));
                key = null;
            }
            String t = line.strip();
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                if (close < 0) {
                    throw new IOException(file + ":" + (n + 1) + ": section header without ']': " + t);
                }
                String name = t.substring(1, close).strip();
                current = byName.get(name);
                if (current == null) {
                    current = new Section(name, file, n + 1);
                    byName.put(name, current);
                    ini.sections.add(current);
                }
                continue;
            }
            if (current == null) {
                throw new IOException(file + ":" + (n + 1) + ": a value before any [section]: " + t);
            }
            int eq = t.indexOf('=');
            int colon = t.indexOf(':');
            int d = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
            if (d <= 0) {
                throw new IOException(file + ":" + (n + 1) + ": expected 'key = value' in [" + current.name + "], got: " + t);
            }
            key = t.substring(0, d).strip().toLowerCase(Locale.ROOT);
            value = new StringBuilder(t.substring(d + 1).strip());
            valueLine = n + 1;
        }
        if (key != null) {
            current.entries.put(key, new Entry(key, value.toString().strip(), file, valueLine));
        }
        return ini;
    }

    /** The column of the first character that is not whitespace (configparser's {@code \\S}). */
    private static int indentOf(String line) {
        int i = 0;
        while (i < line.length() && (Character.isWhitespace(line.charAt(i)) || Character.isSpaceChar(line.charAt(i)))) {
            i++;
        }
        return i;
    }

    /** Cuts at the first {@code ;} or {@code #} that follows whitespace (quotes do not protect it, as in Python). */
    static String stripInlineComment(String line) {
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i);
            }
        }
        return line;
    }
}
