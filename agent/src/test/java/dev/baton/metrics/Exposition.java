package dev.baton.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4: every line must be a HELP, a TYPE or a
 * sample of the grammar, each family is typed once, before its samples, and no series repeats.
 */
final class Exposition {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final String VALUE = "[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?|Inf|NaN)";
    private static final Pattern SAMPLE = Pattern.compile(
            "(" + NAME + ")(?:\\{((?:" + LABEL + ")(?:," + LABEL + ")*,?)?\\})? (" + VALUE + ")(?: -?\\d+)?");
    private static final Pattern ONE_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ")( .*)?");
    private static final List<String> SUFFIXES = List.of("", "_total", "_sum", "_count", "_bucket", "_created", "_info");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    final List<Sample> samples = new ArrayList<>();
    final Map<String, String> types = new LinkedHashMap<>();

    /** @throws AssertionError naming the first line that breaks the format */
    static Exposition parse(String text) {
        Exposition e = new Exposition();
        Set<String> series = new HashSet<>();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new AssertionError("the exposition must end with a newline");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            Matcher m;
            if ((m = TYPE.matcher(line)).matches()) {
                if (e.types.put(m.group(1), m.group(2)) != null) {
                    throw new AssertionError("line " + (i + 1) + ": second TYPE for " + m.group(1));
                }
            } else if (HELP.matcher(line).matches() || (line.startsWith("#") && !line.startsWith("# TYPE"))) {
                // HELP or a plain comment
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                Sample s = new Sample(m.group(1), labels(m.group(2)), parseValue(m.group(3)));
                if (e.family(s.name) == null) {
                    throw new AssertionError("line " + (i + 1) + ": sample before its TYPE: " + line);
                }
                if (!series.add(s.name + s.labels)) {
                    throw new AssertionError("line " + (i + 1) + ": duplicate series: " + line);
                }
                e.samples.add(s);
            } else {
                throw new AssertionError("line " + (i + 1) + " is not Prometheus text 0.0.4: " + line);
            }
        }
        return e;
    }

    /** The declared family a sample name belongs to, or null. */
    String family(String sampleName) {
        for (String suffix : SUFFIXES) {
            if (sampleName.endsWith(suffix)
                    && types.containsKey(sampleName.substring(0, sampleName.length() - suffix.length()))) {
                return sampleName.substring(0, sampleName.length() - suffix.length());
            }
        }
        return null;
    }

    Set<String> sampleNames() {
        Set<String> names = new HashSet<>();
        samples.forEach(s -> names.add(s.name));
        return names;
    }

    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }

    /** The value of the one sample with this name whose labels include {@code labels}. */
    OptionalDouble value(String name, Map<String, String> labels) {
        List<Sample> found = samples(name).stream()
                .filter(s -> s.labels.entrySet().containsAll(labels.entrySet())).toList();
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " samples of " + name + " match " + labels);
        }
        return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0).value);
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text != null) {
            Matcher m = ONE_LABEL.matcher(text);
            while (m.find()) {
                labels.put(m.group(1), unescape(m.group(2)));
            }
        }
        return labels;
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char next = v.charAt(++i);
                sb.append(next == 'n' ? '\n' : next);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }
}
