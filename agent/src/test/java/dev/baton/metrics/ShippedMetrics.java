package dev.baton.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names the shipped alert rules and Grafana dashboard (metrics/) use. */
public final class ShippedMetrics {
    /** Metric names the rules and the dashboard may use: baton's own and the JVM/process basics. */
    private static final Pattern METRIC = Pattern.compile("(?<![A-Za-z0-9_:])(?:baton|jvm|process)_[a-z0-9_]*[a-z0-9]"
            + "(?![A-Za-z0-9_:])");
    static final Path ROOT = repositoryRoot();
    static final Path RULES = ROOT.resolve("metrics/prometheus/baton-alerts.yml");
    static final Path CLUSTER_RULES = ROOT.resolve("metrics/prometheus/baton-cluster-alerts.yml");
    static final Path DASHBOARD = ROOT.resolve("metrics/grafana/baton-dashboard.json");

    private ShippedMetrics() {
    }

    /** Names an agent without {@code [cluster]} must export. */
    static Set<String> usedWithoutCluster() throws IOException {
        Set<String> used = new TreeSet<>(names(Files.readString(RULES)));
        dashboardStrings().forEach(s -> used.addAll(names(s)));
        used.removeIf(ShippedMetrics::isCluster);
        return used;
    }

    /** The cluster families the cluster rules and the dashboard use: an agent with {@code [cluster]} exports them. */
    public static Set<String> usedByCluster() {
        try {
            Set<String> used = new TreeSet<>(names(Files.readString(CLUSTER_RULES)));
            dashboardStrings().forEach(s -> used.addAll(names(s)));
            used.removeIf(name -> !isCluster(name));
            return used;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isCluster(String name) {
        return name.startsWith("baton_cluster_") || name.startsWith("baton_fleet_");
    }

    public static Set<String> names(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The {@code expr} of every rule in a rules file, block scalars ({@code |}, {@code >-}) joined into one line each. */
    static List<String> ruleExpressions(Path rules) throws IOException {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(rules);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = EXPR.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            if (!m.group(2).matches("[|>][-+]?")) {
                out.add(m.group(2));
                continue;
            }
            StringBuilder block = new StringBuilder();
            while (i + 1 < lines.size() && (lines.get(i + 1).isBlank() || indent(lines.get(i + 1)) > m.group(1).length())) {
                block.append(lines.get(++i).trim()).append(' ');
            }
            out.add(block.toString().trim());
        }
        return out;
    }

    private static final Pattern EXPR = Pattern.compile("( *)expr: *(.*?) *");

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }

    /** Every string in the dashboard: queries, variables, annotations, descriptions. */
    static List<String> dashboardStrings() throws IOException {
        List<String> out = new ArrayList<>();
        collect(new ObjectMapper().readTree(DASHBOARD.toFile()), null, out, false);
        return out;
    }

    static List<String> dashboardQueries() throws IOException {
        List<String> out = new ArrayList<>();
        collect(new ObjectMapper().readTree(DASHBOARD.toFile()), null, out, true);
        return out;
    }

    private static void collect(JsonNode node, String field, List<String> out, boolean queriesOnly) {
        if (node.isTextual() && (!queriesOnly || "expr".equals(field))) {
            out.add(node.asText());
        }
        node.fields().forEachRemaining(e -> collect(e.getValue(), e.getKey(), out, queriesOnly));
        if (node.isArray()) {
            node.forEach(n -> collect(n, field, out, queriesOnly));
        }
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("metrics/prometheus/baton-alerts.yml"))) {
                return p;
            }
        }
        throw new IllegalStateException("metrics/prometheus/baton-alerts.yml not found above " + Path.of("").toAbsolutePath());
    }
}
