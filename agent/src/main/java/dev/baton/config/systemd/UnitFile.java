package dev.baton.config.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A unit file read as systemd's config parser reads it: {@code [Section]} headers,
 * {@code Key=Value} lines (keys case-sensitive, blanks around both trimmed), {@code #} and {@code ;}
 * comment lines, a line ending in a backslash continued on the next (the backslash becomes a space;
 * comment lines inside a continuation are skipped), every assignment kept in order (a key may repeat;
 * an empty value resets a list). Lines systemd ignores are kept with systemd's reason.
 */
final class UnitFile {
    /** One assignment. */
    record Entry(String section, String key, String value, Path file, int line) {
    }

    /** A line systemd ignores, with its log message. */
    record Ignored(Path file, int line, String section, String why) {
    }

    final List<Entry> entries = new ArrayList<>();
    final List<Ignored> ignored = new ArrayList<>();
    /** Sections seen, with their first line (for findings about a whole section). */
    final List<Entry> sections = new ArrayList<>();

    /** The unit file, then its drop-ins in order: later assignments add to or override earlier ones. */
    static UnitFile read(List<Path> files) throws IOException {
        UnitFile unit = new UnitFile();
        for (Path f : files) {
            unit.parse(f, Files.readString(f, StandardCharsets.UTF_8));
        }
        return unit;
    }

    void parse(Path file, String text) {
        String section = null;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            int first = n + 1;
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            StringBuilder joined = new StringBuilder();
            while (line.endsWith("\\") && n + 1 < lines.length) {
                joined.append(line, 0, line.length() - 1).append(' ');
                n++;
                line = lines[n].strip();
                while ((line.startsWith("#") || line.startsWith(";")) && n + 1 < lines.length) {
                    n++;
                    line = lines[n].strip();
                }
            }
            joined.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line);
            String l = joined.toString().strip();
            if (l.startsWith("[")) {
                int close = l.indexOf(']');
                if (close < 0 || close != l.length() - 1) {
                    ignored.add(new Ignored(file, first, section, "Invalid section header '" + l + "'"));
                    section = null;
                    continue;
                }
                section = l.substring(1, close);
                sections.add(new Entry(section, "", "", file, first));
                continue;
            }
            if (section == null) {
                ignored.add(new Ignored(file, first, "", "Assignment outside of section. Ignoring."));
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                ignored.add(new Ignored(file, first, section, "Missing '=', ignoring line."));
            } else if (eq == 0 || l.substring(0, eq).isBlank()) {
                ignored.add(new Ignored(file, first, section, "Missing key name before '=', ignoring line."));
            } else {
                entries.add(new Entry(section, l.substring(0, eq).strip(), l.substring(eq + 1).strip(), file, first));
            }
        }
    }

    /** Every assignment of {@code section}/{@code key}, in order, after the last empty one (which resets the list). */
    List<Entry> list(String section, String key) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.section().equals(section) && e.key().equals(key)) {
                if (e.value().isEmpty()) {
                    out.clear();
                } else {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The last assignment of {@code section}/{@code key}, or null. */
    Entry last(String section, String key) {
        Entry found = null;
        for (Entry e : entries) {
            if (e.section().equals(section) && e.key().equals(key)) {
                found = e;
            }
        }
        return found;
    }

    boolean hasSection(String section) {
        return sections.stream().anyMatch(s -> s.section().equals(section));
    }
}
