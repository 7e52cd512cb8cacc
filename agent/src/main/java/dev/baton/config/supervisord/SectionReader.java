package dev.baton.config.supervisord;

import dev.baton.config.migration.Findings;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.Placeholders;
import dev.baton.process.os.Signals;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one section's values the way supervisord's datatypes do ({@code boolean}, {@code integer},
 * {@code auto_restart}, {@code list_of_exitcodes}, {@code signal_number}, {@code octal_type},
 * {@code byte_size}, {@code dict_of_key_value_pairs}), after its {@code %(name)s} expansion. A value
 * supervisord would refuse is a FAILED finding at the key, and {@link Refused} ends the reading of
 * the section: supervisord would not have started with it, so nothing is imported from it.
 */
final class SectionReader {
    static final Set<String> TRUE = Set.of("yes", "true", "on", "1");
    static final Set<String> FALSE = Set.of("no", "false", "off", "0");

    /** The section cannot be imported; the reason is already a finding. */
    static final class Refused extends RuntimeException {
        Refused() {
            super(null, null, false, false);
        }
    }

    final IniFile.Section section;
    private final Findings findings;
    /** Variables that came from the importing environment, by name, once reported. */
    private final Set<String> reportedEnv;
    private final Map<String, String> importEnv;

    SectionReader(IniFile.Section section, Findings findings, Map<String, String> importEnv, Set<String> reportedEnv) {
        this.section = section;
        this.findings = findings;
        this.importEnv = importEnv;
        this.reportedEnv = reportedEnv;
    }

    boolean has(String key) {
        return section.entries.containsKey(key);
    }

    String raw(String key) {
        return section.get(key);
    }

    void note(Impact impact, String key, String message) {
        IniFile.Entry e = key.isEmpty() ? null : section.entries.get(key);
        findings.add(impact, e == null ? section.file : e.file(), e == null ? section.line : e.line(), section.name, key,
                message);
    }

    /** Python's {@code value.strip('\'"')}. */
    private static String stripQuotes(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && (value.charAt(from) == '\'' || value.charAt(from) == '"')) {
            from++;
        }
        while (to > from && (value.charAt(to - 1) == '\'' || value.charAt(to - 1) == '"')) {
            to--;
        }
        return value.substring(from, to);
    }

    /** Records a value supervisord would refuse, and ends the section. */
    Refused refuse(String key, String why) {
        note(Impact.FAILED, key, why + ": supervisord refuses this file; " + importedWhat() + " not imported");
        return new Refused();
    }

    private String importedWhat() {
        String n = section.name;
        return n.startsWith("program:") ? "the program is" : n.startsWith("eventlistener:") ? "the listener is" : "it is";
    }

    /** The value of {@code key} (or {@code dflt}) after supervisord's %-expansion with {@code vars}. */
    String expanded(String key, String dflt, Vars vars) {
        String v = has(key) ? raw(key) : dflt;
        return v == null ? null : expand(key, v, vars);
    }

    String expand(String key, String text, Vars vars) {
        String out;
        try {
            out = PercentFormat.expand(text, vars.values);
        } catch (PercentFormat.Refused e) {
            String mark = Placeholders.find(text);
            if (mark != null && mark.startsWith("%")) {
                throw refuse(key, "'" + text + "' " + Placeholders.message(mark) + " (supervisord itself reads '"
                        + mark.substring(0, 2) + "' as a format: " + e.getMessage() + ")");
            }
            if (e.missingName != null && e.missingName.startsWith("ENV_")) {
                String var = e.missingName.substring(4);
                throw refuse(key, "%(" + e.missingName + ")s needs the environment variable " + var
                        + ", which is not set where the import runs (nor in an environment= of this file): run the "
                        + "import with the environment supervisord runs with, e.g. baton import-supervisord --env "
                        + var + "=VALUE");
            }
            throw refuse(key, "'" + text + "' cannot be expanded as supervisord expands values (" + e.getMessage() + ")");
        }
        reportImportEnvironment(key, text, vars);
        String mark = Placeholders.find(out);
        if (mark != null) {
            note(Impact.BEHAVIOUR, key, "'" + out + "' " + Placeholders.message(mark));
        }
        return out;
    }

    /** A value taken from the importing environment is now fixed in the TOML: said once per section and name. */
    private void reportImportEnvironment(String key, String text, Vars vars) {
        int from = 0;
        while ((from = text.indexOf("%(ENV_", from)) >= 0) {
            int end = text.indexOf(')', from);
            if (end < 0) {
                return;
            }
            String name = text.substring(from + 2, end);
            from = end;
            String var = name.substring(4);
            Object value = vars.values.get(name);
            boolean fromImport = importEnv.containsKey(var) && !vars.definedByFile.contains(var);
            if (fromImport && reportedEnv.add(section.name + "|" + var)) {
                note(Impact.BEHAVIOUR, key, "%(" + name + ")s expanded to '" + value + "' from the environment of the "
                        + "import: supervisord read it at each start, the TOML now holds this value");
            }
        }
        if (text.contains("%(host_node_name)") && reportedEnv.add(section.name + "|\0host")) {
            note(Impact.BEHAVIOUR, key, "%(host_node_name)s expanded to '" + vars.values.get("host_node_name")
                    + "', the name of the host that ran the import");
        }
    }

    boolean bool(String key, String dflt, Vars vars) {
        String v = expanded(key, dflt, vars).toLowerCase(Locale.ROOT);
        if (TRUE.contains(v)) {
            return true;
        }
        if (FALSE.contains(v)) {
            return false;
        }
        throw refuse(key, "'" + v + "' is not a boolean (true/false, yes/no, on/off, 1/0)");
    }

    int integer(String key, int dflt, Vars vars) {
        String v = expanded(key, Integer.toString(dflt), vars).strip();
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw refuse(key, "'" + v + "' is not an integer");
        }
    }

    /** supervisord's auto_restart: false, unexpected or true. */
    String restart(String key, Vars vars) {
        String v = expanded(key, "unexpected", vars).toLowerCase(Locale.ROOT);
        if (TRUE.contains(v)) {
            return "always";
        }
        if (FALSE.contains(v)) {
            return "never";
        }
        if (v.equals("unexpected")) {
            return "on-failure";
        }
        throw refuse(key, "invalid 'autorestart' value '" + v + "' (false, unexpected or true)");
    }

    /** list_of_exitcodes: comma-separated integers 0-255; empty means none. */
    List<Integer> exitCodes(String key, Vars vars) {
        String v = expanded(key, "0", vars);
        List<Integer> codes = new ArrayList<>();
        if (v.isEmpty()) {
            return codes;
        }
        for (String c : v.split(",", -1)) {
            try {
                int n = Integer.parseInt(c.strip());
                if (n < 0 || n > 255) {
                    throw new NumberFormatException();
                }
                codes.add(n);
            } catch (NumberFormatException e) {
                throw refuse(key, "'" + v + "' is not a list of exit codes (0-255, separated by commas)");
            }
        }
        return codes;
    }

    /** signal_number, by baton's name for it ("TERM"). */
    String signal(String key, String dflt, Vars vars) {
        String v = expanded(key, dflt, vars);
        try {
            return Signals.name(Signals.parse(v.strip())).substring(3);
        } catch (IllegalArgumentException e) {
            throw refuse(key, "'" + v + "' is not a signal (" + e.getMessage() + ")");
        }
    }

    /** octal_type, as baton writes a umask ("022"). */
    String umask(String key, Vars vars) {
        String v = expanded(key, null, vars).strip().toLowerCase(Locale.ROOT);
        String digits = v.startsWith("0o") ? v.substring(2) : v;
        try {
            int n = Integer.parseInt(digits, 8);
            if (n < 0 || n > 0777) {
                throw new NumberFormatException();
            }
            return String.format("%03o", n);
        } catch (NumberFormatException e) {
            throw refuse(key, "'" + v + "' is not an octal umask");
        }
    }

    /** byte_size: a number with KB, MB or GB (powers of 1024). Returned as baton writes sizes: bytes, or "20MiB". */
    Object size(String key, String dflt, Vars vars) {
        String v = expanded(key, dflt, vars).strip().toLowerCase(Locale.ROOT);
        String unit = v.length() > 2 && Set.of("kb", "mb", "gb").contains(v.substring(v.length() - 2)) ? v.substring(v.length() - 2) : "";
        try {
            long n = Long.parseLong(v.substring(0, v.length() - unit.length()).strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return unit.isEmpty() || n == 0 ? (Object) n : n + unit.substring(0, 1).toUpperCase(Locale.ROOT) + "iB";
        } catch (NumberFormatException e) {
            throw refuse(key, "'" + v + "' is not a size such as 50MB");
        }
    }

    /**
     * dict_of_key_value_pairs: shlex tokens taken three at a time as KEY = value, the fourth (a comma)
     * skipped, each value without the quote characters at its ends ({@code value.strip('\'"')}: all of
     * them, so {@code "--opt='x'"} gives {@code --opt='x}, as supervisord gave it). Any other shape is
     * refused, as supervisord refuses it ("Unexpected end of key/value pairs").
     */
    Map<String, String> keyValuePairs(String key, String text) {
        List<String> tokens;
        try {
            tokens = Shlex.keyValueTokens(text);
        } catch (IllegalArgumentException e) {
            throw refuse(key, "'" + text + "' cannot be read (" + e.getMessage() + ")");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i += 4) {
            if (i + 2 >= tokens.size() || !tokens.get(i + 1).equals("=")) {
                throw refuse(key, "unexpected end of key/value pairs in '" + text + "' (write KEY=\"value\", quoting "
                        + "values with characters other than letters, digits and _/.+-():)");
            }
            out.put(tokens.get(i), stripQuotes(tokens.get(i + 2)));
        }
        return out;
    }
}
