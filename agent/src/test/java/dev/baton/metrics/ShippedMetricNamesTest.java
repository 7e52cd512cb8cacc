package dev.baton.metrics;

import static dev.baton.metrics.MetricsAgent.FAST_BACKOFF;
import static dev.baton.metrics.MetricsAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.process.ProcessState;
import dev.baton.releases.FeedServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alert rules and dashboard only use metrics a real agent exports, their queries
 * parse, and the export itself passes promtool's lint. The cluster families are checked against
 * an agent with {@code [cluster]}, failsafe and an identity program by {@code ClusterMetricNamesTest}.
 * The agent runs plain programs and an engine group through a real handover, so that every
 * conditional series (last exit, release, handover) exists. promtool runs only after the agent stopped: its reaper (waitpid -1) would take
 * promtool's exit status.
 */
class ShippedMetricNamesTest {
    private static final Path ROOT = ShippedMetrics.ROOT;
    private static final Path DASHBOARD = ShippedMetrics.DASHBOARD;
    /** Labels Prometheus adds (instance, job) or an operator's target labels the rules document (upgrade_announced). */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job", "upgrade_announced", "__name__");
    private static final Pattern SELECTOR = Pattern.compile("((?:baton|jvm|process)_[a-z0-9_]*[a-z0-9])\\{([^}]*)\\}");
    private static final String QUOTED = "\"(?:[^\"\\\\]|\\\\.)*\"";
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|on|without|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");

    @TempDir
    static Path dir;
    static String scrape;
    static Set<String> used;

    @BeforeAll
    static void scrapeARunningAgent() throws Exception {
        used = ShippedMetrics.usedWithoutCluster();
        try (MetricsAgent agent = new MetricsAgent(dir);
             FeedServer feed = new FeedServer(FeedServer.ok("[{\"tag_name\": \"1.2.0\"}]".getBytes(StandardCharsets.UTF_8)))) {
            EngineFixture engines = new EngineFixture(agent, "1.1.0");
            String crasher = agent.script("crasher", "sleep 0.2; exit 3");
            agent.config(program("steady", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                    + program("crasher", crasher, "start_secs = \"0s\"", "restart = \"always\"",
                    "start_retries = \"forever\"", FAST_BACKOFF)
                    + engines.config("1.1.3", "1.2.0")
                    + "[groups.chainflip.releases]\njson_feed = \"" + feed.url("/releases") + "\"\n").start();
            agent.awaitState("steady", ProcessState.RUNNING);
            engines.awaitUpgradeReady();
            engines.upgradeTo("1.2.0");
            // Bounded: the assertion below lists whatever is still missing
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> agent.scrape().sampleNames().containsAll(used));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // reported by everyNameTheRulesAndTheDashboardUseIsExported
            }
            scrape = new String(agent.metrics().scrape(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyNameTheRulesAndTheDashboardUseIsExported() {
        assertTrue(used.size() > 20, "names found in the rules and dashboard: " + used);
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(Exposition.parse(scrape).sampleNames());
        assertEquals(Set.of(), missing, "used by metrics/ but not exported by the agent");
    }

    /**
     * A name that exists is not enough: a selector or a {@code by}/{@code on} clause naming a label the
     * agent does not put on those series matches nothing, and the alert stays silent for good.
     */
    @Test
    void everyLabelTheRulesAndTheDashboardUseIsExported() throws IOException {
        Map<String, Set<String>> labels = new TreeMap<>();
        Exposition.parse(scrape).samples.forEach(x -> labels.computeIfAbsent(x.name(), n -> new TreeSet<>())
                .addAll(x.labels().keySet()));
        List<String> queries = new ArrayList<>(ShippedMetrics.ruleExpressions(ShippedMetrics.RULES));
        queries.addAll(ShippedMetrics.dashboardQueries());
        List<String> wrong = new ArrayList<>();
        for (String q : queries) {
            Set<String> names = ShippedMetrics.names(q);
            Set<String> known = new TreeSet<>(TARGET_LABELS);
            names.forEach(n -> known.addAll(labels.getOrDefault(n, Set.of())));
            Matcher selector = SELECTOR.matcher(q);
            while (selector.find()) {
                Set<String> own = labels.get(selector.group(1));
                Matcher l = MATCHER.matcher(selector.group(2).replaceAll(QUOTED, "\"\""));
                while (own != null && l.find()) {
                    if (!own.contains(l.group(1)) && !TARGET_LABELS.contains(l.group(1))) {
                        wrong.add(selector.group() + ": no label " + l.group(1) + " on " + selector.group(1) + " " + own);
                    }
                }
            }
            if (!labels.keySet().containsAll(names)) {
                continue; // a cluster family: not exported here, so its labels are unknown
            }
            // A label in by/on may come from any series of the query
            Matcher grouping = GROUPING.matcher(q);
            while (grouping.find()) {
                for (String l : grouping.group(2).split("[\\s,]+")) {
                    if (!l.isEmpty() && !known.contains(l)) {
                        wrong.add(grouping.group() + ": no series of the query has " + l + ": " + q);
                    }
                }
            }
        }
        assertEquals(List.of(), wrong, "labels used by metrics/ that the agent does not export");
    }

    @Test
    void theScrapePassesPromtoolLint() throws Exception {
        Path file = dir.resolve("scrape.txt");
        Files.writeString(file, scrape);
        assumePromtool();
        Result r = run(file, "promtool", "check", "metrics");
        assertEquals(0, r.code, r.output);
    }

    @Test
    void theAlertRulesPassCheckSh() throws Exception {
        assumePromtool();
        Result r = run(null, ROOT.resolve("metrics/check.sh").toString());
        assertEquals(0, r.code, r.output);
    }

    @Test
    void everyDashboardQueryParses() throws Exception {
        // Grafana's variables replaced by what they stand for, each query checked as a recording rule
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        List<String> queries = ShippedMetrics.dashboardQueries();
        assertFalse(queries.isEmpty());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < queries.size(); i++) {
            String q = queries.get(i).replace("$__rate_interval", "5m").replace("$instance", ".*")
                    .replace("$group", ".*");
            rules.append("      - record: dashboard:query").append(i).append("\n        expr: ")
                    .append(json.writeValueAsString(q)).append('\n');
        }
        Path file = dir.resolve("dashboard-queries.yml");
        Files.writeString(file, rules);
        assumePromtool();
        Result r = run(null, "promtool", "check", "rules", file.toString());
        assertEquals(0, r.code, r.output);
    }

    @Test
    void theDashboardUsesItsDataSourceVariable() throws IOException {
        JsonNode d = new ObjectMapper().readTree(DASHBOARD.toFile());
        JsonNode variable = d.path("templating").path("list").get(0);
        assertEquals("datasource", variable.path("type").asText());
        assertEquals("prometheus", variable.path("query").asText());
        List<JsonNode> withQueries = new ArrayList<>();
        d.path("panels").forEach(p -> {
            if (p.has("targets")) {
                withQueries.add(p);
            }
        });
        assertTrue(withQueries.size() >= 10);
        for (JsonNode p : withQueries) {
            assertEquals("${datasource}", p.path("datasource").path("uid").asText(), p.path("title").asText());
            p.path("targets").forEach(t -> assertEquals("${datasource}", t.path("datasource").path("uid").asText()));
        }
    }

    private record Result(int code, String output) {
    }

    private static void assumePromtool() {
        assumeTrue(onPath("promtool"), "promtool is not installed (Debian: prometheus)");
    }

    private static Result run(Path stdin, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running: " + String.join(" ", cmd));
        return new Result(p.exitValue(), output);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
