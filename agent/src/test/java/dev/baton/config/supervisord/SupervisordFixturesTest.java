package dev.baton.config.supervisord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.migration.ImportWarning;
import dev.baton.process.os.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real supervisord configurations from public repositories (each file names its source on its first
 * lines), imported and checked: the findings each one must produce, and, file by file, the same
 * programs as supervisord's own parser reads from it (supervisor 4's options.py, run by
 * {@code supervisord_parse.py} with the Debian supervisor package).
 */
class SupervisordFixturesTest {
    static final Path DIR = Path.of("src/test/resources/dev/baton/migration/supervisord").toAbsolutePath();
    static final Path ORACLE = DIR.resolveSibling("supervisord_parse.py");
    static final Map<String, String> MTA_ENV = Map.of("EMAIL_USERNAME", "mail", "EMAIL_PASSWORD", "s3cret x",
            "POSTFIX_MYNETWORKS", "10.0.0.0/8", "POSTFIX_MYHOSTNAME", "mx.example.com", "POSTFIX_MYDOMAIN", "example.com",
            "POSTFIX_MYDESTINATION", "example.com");

    /** A finding a file must produce. */
    record Expect(Impact impact, String section, String fragment) {
    }

    /** One file, the environment of the import, and what must come out. */
    record Case(String file, Map<String, String> env, int programs, boolean failed, List<Expect> expected) {
        @Override
        public String toString() {
            return file + (env.isEmpty() ? "" : " with its environment");
        }
    }

    static Expect behaviour(String section, String fragment) {
        return new Expect(Impact.BEHAVIOUR, section, fragment);
    }

    static Expect error(String section, String fragment) {
        return new Expect(Impact.FAILED, section, fragment);
    }

    static Expect note(String section, String fragment) {
        return new Expect(Impact.COSMETIC, section, fragment);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("chainflip-multi-engine.conf", Map.of(), 2, false, List.of(
                        behaviour("program:engine_1", "engine group 'chainflip'"),
                        behaviour("program:engine_1", "main process only"))),
                new Case("docker-mta.ini", Map.of(), 2, true, List.of(
                        error("program:user", "--env EMAIL_USERNAME=VALUE"),
                        error("program:postconf", "POSTFIX_MYNETWORKS"))),
                new Case("docker-mta.ini", MTA_ENV, 4, false, List.of(
                        behaviour("program:user", "from the environment of the import"),
                        behaviour("program:postconf", "'mx.example.com'"))),
                new Case("fcwu-vnc-desktop.conf", Map.of(), 5, true, List.of(
                        error("program:cloud9", "template placeholder %USER%"),
                        error("program:desktop", "template placeholder %USER%"),
                        note("supervisord", "not a [supervisord] key"),
                        note("group:x", "no program groups"))),
                new Case("hardware-mailserver.conf", Map.of(), 5, false, List.of(
                        note("program:dovecot", "not a supervisord program key"),
                        note("program:dovecot", "one log file per program"))),
                new Case("laravel-worker-janyksteenbeek.conf", Map.of(), 50, false, List.of(
                        behaviour("program:laravel-worker", "template placeholder %QUEUE_CONNECTION%"),
                        note("program:laravel-worker", "imported as 50 programs"))),
                new Case("laravel-worker-jincor.conf", Map.of(), 5, false, List.of(
                        behaviour("program:laravel-worker", "template placeholder %QUEUE_CONNECTION%"))),
                new Case("lbdocker.conf", Map.of(), 2, true, List.of(
                        behaviour("program:injectinfluxdb", "template placeholder {{ LOGSPATH }}"),
                        error("program:injectinfluxdb", "does not pass check-config"),
                        note("eventlistener:logging", "nothing is lost"))),
                new Case("mymail.conf", Map.of(), 2, false, List.of(
                        behaviour("program:postfix", "main process only"))),
                new Case("privatebin.conf", Map.of(), 2, false, List.of(
                        note("", "no [supervisord] section"),
                        note("program:nginx", "not a supervisord program key"))),
                new Case("sitepilot-runtime.conf", Map.of("BUILD_PHP_VERSION", "8.2"), 3, false, List.of(
                        behaviour("eventlistener:processes", "exit_on_fatal = true, which ends baton only when a program goes FATAL"),
                        behaviour("program:php-fpm", "from the environment of the import"))),
                new Case("sitepilot-runtime.conf", Map.of(), 2, true, List.of(
                        error("program:php-fpm", "BUILD_PHP_VERSION"))),
                new Case("store-manager.conf", Map.of(), 2, false, List.of(
                        behaviour("program:php-fpm", "main process only"))),
                new Case("suitefish-indented.conf", Map.of(), 1, false, List.of(
                        note("", "no [supervisord] section"),
                        note("program:suitefish", "stderr lines also go to /var/log/suitefish_log.log"))),
                new Case("supervisor-console.conf", Map.of(), 1, false, List.of(
                        behaviour("eventlistener:stdout", "relayed the output of web"))),
                new Case("supervisor-issue-1170a.conf", Map.of(), 1, false, List.of(
                        note("supervisord", "baton's own messages"))),
                new Case("supervisor-issue-1170b.conf", Map.of(), 1, false, List.of()),
                new Case("supervisor-issue-565.conf", Map.of(), 1, false, List.of(
                        behaviour("eventlistener:listener", "relayed the output of hello"))),
                new Case("supervisor-issue-663.conf", Map.of(), 0, true, List.of(
                        error("", "no program to import"),
                        behaviour("eventlistener:listener", "TICK"))),
                new Case("supervisor-issue-733.conf", Map.of(), 1, false, List.of(
                        note("eventlistener:fatalexit", "exit_on_fatal = true"))),
                new Case("supervisor-issue-986.conf", Map.of(), 1, false, List.of()),
                new Case("supervisor-sample.conf", Map.of(), 0, true, List.of(
                        error("", "no program to import"),
                        note("supervisord", "baton never daemonizes"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void importsWithTheExpectedFindings(Case c) throws IOException, ConfigException {
        ImportResult r = new SupervisordImporter(c.env(), "node-7").importFile(DIR.resolve(c.file()));
        assertEquals(c.programs(), r.programs(), r.summary() + "\n" + r.warnings());
        assertEquals(c.failed(), r.failed(), () -> String.join("\n", r.triaged().stream().map(ImportWarning::toString).toList()));
        for (Expect e : c.expected()) {
            assertTrue(r.warnings().stream().anyMatch(w -> w.impact() == e.impact() && w.section().equals(e.section())
                    && w.message().contains(e.fragment())), () -> "expected " + e + " in\n" + r.warnings());
        }
        assertTrue(r.summary().startsWith("imported " + c.programs() + " program"), r.summary());
        assertEquals(r.triaged().stream().map(ImportWarning::impact).sorted().toList(),
                r.triaged().stream().map(ImportWarning::impact).toList(), "errors, then behaviour changes, then notes");
        for (ImportWarning w : r.warnings()) {
            assertTrue(w.line() >= 0 && w.file().toString().startsWith(DIR.toString()), w.toString());
        }
        if (!c.failed()) {
            ConfigLoader.parse(r.toml(), Path.of("imported.toml")); // passes check-config
            assertFalse(r.toml().contains("shell = true"), "supervisord never ran a shell");
        }
    }

    @Test
    void aTemplateThatIsNoIniFileIsRefusedAsSupervisordRefusesIt() {
        IOException e = assertThrows(IOException.class, () -> new SupervisordImporter(Map.of(), "node-7")
                .importFile(DIR.resolve("sitepilot-runtime.blade.conf")));
        assertTrue(e.getMessage().contains("sitepilot-runtime.blade.conf:28"), e.getMessage());
        assertTrue(oracle("sitepilot-runtime.blade.conf", Map.of()).get("refused").asText().contains("parsing errors"));
    }

    /** What supervisord itself runs from the file, compared field by field with the import. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameProgramsAsSupervisordReads(Case c) throws IOException {
        JsonNode sv = oracle(c.file(), c.env());
        ImportResult r = new SupervisordImporter(c.env(), "node-7").importFile(DIR.resolve(c.file()));
        if (sv.has("refused")) {
            String why = sv.get("refused").asText();
            assertTrue(r.failed(), "supervisord refuses this file (" + why + "); the import must fail too");
            return;
        }
        if (sv.path("fragment").asBoolean()) {
            assertTrue(r.warnings().stream().anyMatch(w -> w.message().contains("no [supervisord] section")));
        }
        JsonNode programs = r.config().path("programs");
        List<long[]> order = new ArrayList<>();
        for (JsonNode p : sv.get("processes")) {
            String name = p.get("name").asText();
            JsonNode b = programs.path(name);
            if (b.isMissingNode()) {
                assertTrue(r.warnings().stream().anyMatch(w -> w.impact() == Impact.FAILED),
                        name + " is missing from the import without an error");
                continue;
            }
            assertEquals(p.get("argv"), b.get("command"), name + ": argv");
            assertEquals(new TreeMap<>(strings(p.get("environment"))), new TreeMap<>(strings(b.path("environment"))),
                    name + ": environment");
            assertEquals(p.get("directory").isNull() ? null : p.get("directory").asText(),
                    b.has("directory") ? b.get("directory").asText() : null, name + ": directory");
            assertEquals(p.get("autostart").asBoolean(), b.get("autostart").asBoolean(), name + ": autostart");
            assertEquals(p.get("restart").asText(), b.get("restart").asText(), name + ": restart");
            assertEquals(p.get("exitcodes"), b.get("exit_codes"), name + ": exit codes");
            assertEquals(p.get("startsecs").asInt() + "s", b.get("start_secs").asText(), name + ": startsecs");
            assertEquals(p.get("startretries").asInt(), b.get("start_retries").asInt(), name + ": startretries");
            assertEquals(Signals.name(p.get("stopsignal").asInt()), "SIG" + b.get("stop_signal").asText(), name + ": stopsignal");
            assertEquals(p.get("stopwaitsecs").asInt() + "s", b.get("stop_timeout").asText(), name + ": stopwaitsecs");
            if (!p.get("umask").isNull()) {
                assertEquals(String.format("%03o", p.get("umask").asInt()), b.get("umask").asText(), name + ": umask");
            }
            order.add(new long[] {p.get("group_priority").asLong(), p.get("priority").asLong(), b.get("priority").asLong()});
        }
        for (long[] a : order) {
            for (long[] o : order) {
                int sv1 = a[0] != o[0] ? Long.compare(a[0], o[0]) : Long.compare(a[1], o[1]);
                assertEquals(Integer.signum(sv1), Long.signum(a[2] - o[2]), "start order differs from supervisord's");
            }
        }
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    /** supervisord's readings of every case, made by one Python process the first time one is asked for. */
    private static Map<String, JsonNode> oracleResults;

    /** supervisord's reading of the file, from the supervisor package installed here (Debian's python3-supervisor). */
    static synchronized JsonNode oracle(String file, Map<String, String> env) {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) && supervisorInstalled(),
                "supervisor (apt: supervisor) is not installed: the comparison with supervisord's own parser needs it");
        if (oracleResults == null) {
            List<String[]> jobs = new ArrayList<>(cases().map(c -> new String[] {c.file(), json(c.env())}).toList());
            jobs.add(new String[] {"sitepilot-runtime.blade.conf", "{}"});
            StringBuilder in = new StringBuilder();
            ObjectMapper m = new ObjectMapper();
            for (String[] job : jobs) {
                in.append("[").append(json(DIR.resolve(job[0]).toString())).append(", ").append(job[1]).append("]\n");
            }
            try {
                Process p = new ProcessBuilder("/usr/bin/python3", ORACLE.toString(), "--batch").start();
                p.getOutputStream().write(in.toString().getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0 && out.length == jobs.size(), err);
                Map<String, JsonNode> results = new java.util.HashMap<>();
                for (int i = 0; i < jobs.size(); i++) {
                    results.put(jobs.get(i)[0] + " " + jobs.get(i)[1], m.readTree(out[i]));
                }
                oracleResults = results;
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return oracleResults.get(file + " " + json(env));
    }

    private static String json(Object value) {
        try {
            return new ObjectMapper().writeValueAsString(value instanceof Map<?, ?> map ? new TreeMap<>(map) : value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean supervisorInstalled() {
        return Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/supervisor"));
    }
}
