package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import dev.baton.agent.InProcessAgent;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.ConfigProblem;
import dev.baton.process.ProcessState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of malformed and adversarial configurations (wrong types, duplicate keys, huge
 * values, unknown sections, path tricks in names, broken syntax and encodings, drop-in tricks),
 * written as real files: each one through ConfigLoader.load and then through a running agent's
 * reload. Every one is rejected with a message naming the file (and the key or line), none
 * escapes as an exception, none disturbs the running programs.
 */
// Longer than the suite's default 180 s: the default run takes minutes, -Psoak much longer; each wait inside is bounded.
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES)
class ConfigFuzzTest {
    @TempDir
    Path dir;

    /** One generated case: the main file's bytes and the drop-ins (name to bytes), and what it tries. */
    record Case(String kind, byte[] main, Map<String, byte[]> dropIns) {
    }

    private Path state;

    private String head() {
        return "[agent]\nstate_dir = \"" + state + "\"\nlog_mode = \"prefixed\"\n\n[api]\nenabled = false\n\n";
    }

    private static final String SVC = "[programs.svc]\ncommand = [\"sleep\", \"100000\"]\nstart_secs = \"0s\"\n\n";
    private static final String SVC2 = "[programs.svc2]\ncommand = \"sleep 100001\"\nstart_secs = \"0s\"\n\n";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final String[] PROGRAM_KEYS = {"command", "shell", "directory", "environment", "inherit_environment",
        "user", "group", "umask", "priority", "autostart", "restart", "exit_codes", "start_secs", "start_retries",
        "backoff", "stop_signal", "stop_timeout", "log", "engine_group", "version", "on_superseded"};

    /** A value of the wrong type or out of bounds for each program key. */
    private static final Map<String, String[]> BAD_VALUES = new LinkedHashMap<>();

    static {
        BAD_VALUES.put("command", new String[] {"42", "[]", "[1, 2]", "\"\"", "{ a = 1 }", "\"./relative\"", "\"a | b\"",
            "\"x $(id)\"", "[\"bin/x\"]", "\"'unterminated\"", "true", "[[\"nested\"]]"});
        BAD_VALUES.put("shell", new String[] {"\"yes\"", "1", "[]"});
        BAD_VALUES.put("directory", new String[] {"\"relative/dir\"", "\"../../etc\"", "42", "\"\""});
        BAD_VALUES.put("environment", new String[] {"[1, 2]", "{ \"BAD NAME\" = \"x\" }", "{ \"1X\" = \"y\" }", "\"A=B\"",
            "{ A = [1] }", "{ A = { B = 1 } }", "{ \"\" = \"x\" }", "{ \"A=B\" = \"c\" }"});
        BAD_VALUES.put("inherit_environment", new String[] {"\"false\"", "0"});
        BAD_VALUES.put("user", new String[] {"[]", "true", "\"\"", "{ name = \"x\" }"});
        BAD_VALUES.put("umask", new String[] {"\"999\"", "\"0o1777\"", "-1", "\"abc\"", "true", "4096"});
        BAD_VALUES.put("priority", new String[] {"\"high\"", "-1", "1000", "99999999999999999999", "1.5", "nan", "inf"});
        BAD_VALUES.put("autostart", new String[] {"\"yes\"", "1", "[]"});
        BAD_VALUES.put("restart", new String[] {"\"sometimes\"", "true", "1", "\"\""});
        BAD_VALUES.put("exit_codes", new String[] {"0", "\"0\"", "[256]", "[-1]", "[\"a\"]", "[1.5]"});
        BAD_VALUES.put("start_secs", new String[] {"\"1.5s\"", "\"ten seconds\"", "-1", "\"999999999h\"", "\"1s1s\"", "true",
            "\"25h\"", "1e3"});
        BAD_VALUES.put("start_retries", new String[] {"-5", "\"always\"", "1000001", "1.0"});
        BAD_VALUES.put("backoff", new String[] {"5", "\"1s\"", "{ initial = \"2s\", max = \"1s\" }", "{ multiplier = 0.5 }",
            "{ jitter = 2.0 }", "{ multiplier = nan }", "{ jitter = -inf }", "{ initial = \"x\" }", "{ unknown = 1 }",
            "{ reset_after = \"25h\" }"});
        BAD_VALUES.put("stop_signal", new String[] {"\"SIGFOO\"", "0", "32", "99999999999", "\"\"", "[15]", "-9"});
        BAD_VALUES.put("stop_timeout", new String[] {"\"forever\"", "-1", "\"24h1s\"", "9223372036854775807"});
        BAD_VALUES.put("log", new String[] {"\"x\"", "{ file = \"relative.log\" }", "{ max_bytes = \"999999999999999TiB\" }",
            "{ backups = -1 }", "{ ring_lines = 100001 }", "{ ring_bytes = \"65MiB\" }", "{ stdout = \"no\" }",
            "{ nope = 1 }", "{ file = \"../../etc/shadow\" }"});
        BAD_VALUES.put("engine_group", new String[] {"3", "\"../x\"", "\"\"", "\"a/b\""});
        BAD_VALUES.put("version", new String[] {"1.0", "\"1.x\"", "\"\"", "\"v\""});
        BAD_VALUES.put("on_superseded", new String[] {"\"explode\"", "1", "\"SIGFOO\""});
    }

    private static final String[] BAD_NAMES = {"\"../../etc/passwd\"", "\"a/b\"", "\"\"", "\".\"", "\"..\"", "\".hidden\"",
        "\"-rf\"", "\"a b\"", "\"a\\u0000b\"", "\"tab\\there\"", "\"new\\nline\"", "\"ａｂｃ\"", "\"é\"",
        "\"" + "n".repeat(65) + "\"", "\"x;rm -rf /\"", "\"$(id)\"", "\"%s%n\"", "\"a\\\\b\""};

    private Case generate(Random rnd, int i) {
        String h = head();
        switch (i % 14) {
            case 0 -> { // wrong type or out-of-bounds value for a program key
                List<String> keys = new ArrayList<>(BAD_VALUES.keySet());
                String key = keys.get(rnd.nextInt(keys.size()));
                String[] vals = BAD_VALUES.get(key);
                String v = vals[rnd.nextInt(vals.length)];
                String prog = key.equals("command") ? "" : "command = [\"sleep\", \"1\"]\n";
                String extra = key.equals("version") || key.equals("on_superseded") ? "" : "";
                return new Case("bad " + key, utf8(h + SVC + "[programs.fuzz]\n" + prog + key + " = " + v + "\n" + extra), Map.of());
            }
            case 1 -> { // duplicate keys and tables
                String[] dups = {
                    "[programs.svc]\ncommand = [\"a\"]\npriority = 1\npriority = 2\n",
                    SVC + SVC,
                    "[agent]\nlog_mode = \"raw\"\n",
                    "[programs.svc.environment]\nA = \"1\"\n[programs.svc.environment]\nB = \"2\"\n",
                    "[programs.x]\ncommand = [\"a\"]\nenvironment = { A = \"1\", A = \"2\" }\n",
                    "[programs.x]\ncommand = [\"a\"]\ncommand = [\"b\"]\n"};
                String d = dups[rnd.nextInt(dups.length)];
                return new Case("duplicate", utf8(h + SVC + d), Map.of());
            }
            case 2 -> { // the same program in the main file and a drop-in, or in two drop-ins
                return rnd.nextBoolean()
                        ? new Case("duplicate across files", utf8(h + SVC), Map.of("10-a.toml", utf8(SVC)))
                        : new Case("duplicate across drop-ins", utf8(h + SVC2), Map.of("10-a.toml", utf8(SVC), "20-b.toml", utf8(SVC)));
            }
            case 3 -> { // huge values
                String[] huge = {
                    "priority = " + "9".repeat(20 + rnd.nextInt(5000)), // past a long: 1-3 nines would be a valid priority
                    "stop_timeout = \"" + "9".repeat(30) + "h\"",
                    "environment = { A = \"" + "x".repeat(1 << 20) + "\", B = " + "1".repeat(400) + " }",
                    "exit_codes = [" + "1, ".repeat(100_000) + "999]",
                    "command = [" + "\"a\", ".repeat(50_000) + "3]",
                    "umask = " + "7".repeat(100),
                    "log = { max_bytes = \"" + "9".repeat(200) + "B\" }",
                    "backoff = { multiplier = 1e308, jitter = 1e-400, initial = \"1ms\", max = \"0ms\" }",
                };
                return new Case("huge", utf8(h + SVC + "[programs.big]\ncommand = [\"sleep\", \"1\"]\n"
                        + huge[rnd.nextInt(huge.length)] + "\n"), Map.of());
            }
            case 4 -> { // unknown sections and keys
                String[] unknown = {"[agnet]\nx = 1\n", "port = 9176\n", "[programs.svc.extra]\na = 1\n",
                    "[programs.x]\ncommand = [\"a\"]\nstop_timout = \"1s\"\n", "[cluster]\nendpoints = []\n",
                    "[defaults]\ncommand = [\"a\"]\n", "[defaults]\nbogus = 1\n", "[api]\nport = 1\n[api.x]\n",
                    "[[programs]]\nname = \"x\"\n", "[programs]\nx = 1\n", "[groups.g]\nprofile = \"nope\"\n",
                    "[profiles.p]\ncompatibility = \"sometimes\"\n"};
                String u = unknown[rnd.nextInt(unknown.length)];
                // top-level keys must come before any table: put them first
                return u.startsWith("[") ? new Case("unknown", utf8(h + SVC + u), Map.of())
                        : new Case("unknown", utf8(u + h + SVC), Map.of());
            }
            case 5 -> { // path tricks and odd characters in names
                String name = BAD_NAMES[rnd.nextInt(BAD_NAMES.length)];
                String where = rnd.nextBoolean() ? "[programs." + name + "]\ncommand = [\"sleep\", \"1\"]\n"
                        : "[programs.x]\ncommand = [\"sleep\", \"1\"]\nengine_group = " + name + "\nversion = \"1.0.0\"\n";
                return new Case("name " + name, utf8(h + SVC + where), Map.of());
            }
            case 6 -> { // path tricks in paths
                String[] paths = {"state_dir = \"relative\"", "state_dir = \"\"", "state_dir = 5", "state_dir = \"../../\""};
                String p = paths[rnd.nextInt(paths.length)];
                return new Case("agent path", utf8("[agent]\n" + p + "\n\n[api]\nenabled = false\n\n" + SVC), Map.of());
            }
            case 7 -> { // syntax: mangle a valid file
                StringBuilder t = new StringBuilder(h + SVC + SVC2);
                String alphabet = "[]{}\"'=.,#\n\\0eE+-_:\u0000\t\r";
                int edits = 1 + rnd.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = 20 + rnd.nextInt(t.length() - 20);
                    t.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                // Only unambiguously broken ones: an unclosed bracket at the end.
                t.append("\n[programs.broken\n");
                return new Case("syntax", utf8(t.toString()), Map.of());
            }
            case 8 -> { // encodings
                byte[][] enc = {
                    concat(utf8(h + SVC), new byte[] {(byte) 0xff, (byte) 0xfe, 'x', ' ', '=', ' ', '1', '\n'}),
                    concat(utf8(h), new byte[] {'[', 'p', 'r', 'o', 'g', 'r', 'a', 'm', 's', '.', (byte) 0xc3, 0x28, ']', '\n'}),
                    utf8(h + SVC + "x = \"\u0001\"\n"),
                    utf8(h + SVC + "\uFEFF[programs.y]\ncommand = [\"a\"]\n"),
                    concat(utf8(h + SVC), new byte[] {0, 0, 0, 0}),
                };
                return new Case("encoding", enc[rnd.nextInt(enc.length)], Map.of());
            }
            case 9 -> { // deep nesting
                int n = 1000 + rnd.nextInt(20_000);
                String[] deep = {"a = " + "[".repeat(n) + "]".repeat(n), "a = " + "{b = ".repeat(n / 10) + "1" + "}".repeat(n / 10),
                    "[" + "a.".repeat(n / 10) + "b]"};
                return new Case("deep", utf8(h + SVC + "[programs.x]\ncommand = [\"a\"]\n" + deep[rnd.nextInt(deep.length)] + "\n"),
                        Map.of());
            }
            case 10 -> { // drop-in tricks
                String[] bad = {"[agent]\nstate_dir = \"/tmp/evil\"\n", "[api]\nenabled = true\n", "[defaults]\nuser = \"root\"\n",
                    "[programs.x]\ncommand = 5\n", "garbage ===\n", "[programs.svc]\ncommand = [\"x\"]\n"};
                return new Case("drop-in", utf8(h + SVC), Map.of(String.format("%02d-x.toml", rnd.nextInt(100)),
                        utf8(bad[rnd.nextInt(bad.length)])));
            }
            case 11 -> { // engine and handover settings that do not fit together
                String[] eng = {"[programs.x]\ncommand = [\"a\"]\nversion = \"1.0.0\"\n",
                    "[programs.x]\ncommand = [\"a\"]\non_superseded = \"stop\"\n",
                    "[programs.x]\ncommand = [\"a\"]\nengine_group = \"g\"\n[groups.g]\nprofile = \"missing\"\n",
                    "[profiles.p]\n[[profiles.p.rules]]\nevent = \"waiting\"\ncontains = [\"x\"]\nregex = '((('\n",
                    "[profiles.p]\n[[profiles.p.rules]]\nevent = \"explode\"\ncontains = [\"x\"]\nregex = 'x'\n",
                    "[profiles.p]\n[[profiles.p.rules]]\nevent = \"waiting\"\ncontains = []\nregex = '" + "(a|a)*".repeat(50) + "'\n",
                    "[programs.x]\ncommand = [\"a\"]\nengine_group = \"g\"\nversion = \"1.0.0\"\n"
                        + "[programs.y]\ncommand = [\"a\"]\nengine_group = \"g\"\nversion = \"1.0.0\"\n"};
                return new Case("engine", utf8(h + SVC + eng[rnd.nextInt(eng.length)]), Map.of());
            }
            case 12 -> { // [agent] and [api] values
                String[] vals = {"log_mode = \"loud\"", "max_line_bytes = \"1B\"", "max_line_bytes = \"1TiB\"",
                    "shutdown_timeout = \"0s\"", "exit_on_fatal = \"true\"", "shutdown_timeout = \"25h\""};
                String[] api = {"port = 0", "port = 65536", "listen = \"example.com\"", "listen = \"0.0.0.0\"",
                    "token_file = \"relative\"", "enabled = \"no\"", "port = \"9176\""};
                return rnd.nextBoolean()
                        ? new Case("agent value", utf8("[agent]\nstate_dir = \"" + state + "\"\n" + vals[rnd.nextInt(vals.length)]
                                + "\n\n[api]\nenabled = false\n\n" + SVC), Map.of())
                        : new Case("api value", utf8("[agent]\nstate_dir = \"" + state + "\"\n\n[api]\n" + api[rnd.nextInt(api.length)]
                                + "\n\n" + SVC), Map.of());
            }
            default -> { // a file over the 4 MiB limit, or random bytes
                if (rnd.nextInt(20) == 0) {
                    return new Case("oversized", utf8(h + SVC + "# " + "x".repeat(5 << 20) + "\n[programs.y\n"), Map.of());
                }
                byte[] b = new byte[1 + rnd.nextInt(2000)];
                rnd.nextBytes(b);
                b[0] = '[';
                return new Case("random bytes", b, Map.of());
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void write(Path main, Case c) throws IOException {
        Path confd = main.resolveSibling("conf.d");
        if (Files.isDirectory(confd)) {
            try (Stream<Path> s = Files.list(confd)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(confd);
        for (Map.Entry<String, byte[]> e : c.dropIns().entrySet()) {
            Files.write(confd.resolve(e.getKey()), e.getValue());
        }
        Files.write(main, c.main());
    }

    /** Checks the rejection; returns whether every problem carried a line or a key. */
    private static boolean checkRejection(Case c, ConfigException e, Path main) {
        assertTrue(!e.problems().isEmpty(), c.kind());
        boolean located = true;
        for (ConfigProblem p : e.problems()) {
            String where = String.valueOf(p.origin().file());
            assertTrue(p.origin().file() != null && (p.origin().file().equals(main) || p.origin().file().startsWith(main.getParent())),
                    c.kind() + ": a problem that names no config file: " + p);
            assertTrue(p.toString().startsWith(where), c.kind() + ": " + p);
            assertTrue(!p.message().contains("a bug in baton"), c.kind() + ": " + p);
            assertTrue(!p.message().isBlank() && p.message().length() < 10_000, c.kind() + ": message length " + p.message().length());
            if (p.origin().line() <= 0 && p.keyPath().isEmpty()) {
                located = false;
            }
        }
        return located;
    }

    @Test
    void everyAdversarialConfigIsRejectedClearlyByTheLoaderAndByARunningAgentsReload() throws Exception {
        int cases = Soak.count("configCases", 3000, 30_000);
        long seed = Soak.seed();
        Random rnd = new Random(seed);
        state = dir.resolve("state");
        Path main = dir.resolve("etc/baton.toml");
        Files.createDirectories(main.getParent());
        Files.writeString(main, head() + SVC + SVC2);
        Map<String, int[]> byKind = new TreeMap<>(); // kind -> {cases, fully located}
        int reloads = 0;
        List<String> acceptedCases = new ArrayList<>();
        long t0 = System.nanoTime();
        try (LogCapture log = LogCapture.install(); InProcessAgent a = InProcessAgent.forConfig(main).start()) {
            int svc = a.awaitState("svc", ProcessState.RUNNING).pid();
            int svc2 = a.awaitState("svc2", ProcessState.RUNNING).pid();
            for (int i = 0; i < cases; i++) {
                Case c = generate(rnd, i);
                write(main, c);
                String kind = c.kind().startsWith("bad ") || c.kind().startsWith("name ") ? c.kind().split(" ")[0] : c.kind();
                int[] k = byKind.computeIfAbsent(kind, x -> new int[2]);
                k[0]++;
                boolean accepted = false;
                try {
                    ConfigLoader.load(main);
                    accepted = true;
                } catch (ConfigException e) {
                    if (checkRejection(c, e, main)) {
                        k[1]++;
                    }
                } catch (Throwable t) {
                    fail("case " + i + " (" + c.kind() + ", seed " + seed + "): escaped " + t, t);
                }
                if (accepted) {
                    String text = new String(c.main(), StandardCharsets.UTF_8);
                    String tail = "(" + c.kind() + "): ..." + text.substring(Math.max(0, text.length() - 160))
                            + " drop-ins " + c.dropIns().keySet();
                    if (acceptedCases.stream().noneMatch(x -> x.endsWith(tail))) {
                        acceptedCases.add("case " + i + " " + tail);
                    }
                    continue;
                }
                // The same file through the running agent's reload (SIGHUP does exactly this).
                if (i % Soak.count("reloadEvery", 1, 1) == 0) {
                    log.events.clear();
                    a.agent().reload();
                    a.drain();
                    reloads++;
                    assertTrue(log.saw(Level.ERROR, "reload refused"), "case " + i + " (" + c.kind() + "): " + log.messages(Level.ERROR));
                    assertTrue(log.exceptions().isEmpty(), "case " + i + ": " + log.exceptions());
                }
            }
            assertTrue(acceptedCases.isEmpty(), acceptedCases.size() + " accepted (seed " + seed + "):\n"
                    + String.join("\n", acceptedCases.subList(0, Math.min(20, acceptedCases.size()))));
            assertEquals(svc, a.status("svc").pid(), "the running programs were never touched");
            assertEquals(svc2, a.status("svc2").pid());
            assertEquals(ProcessState.RUNNING, a.status("svc").state());
            assertEquals(2, a.agent().supervisor().programs().size());
            // A good config after all that is applied as usual.
            Files.writeString(main, head() + SVC + SVC2 + "[programs.after]\ncommand = " + argv("sleep", "100002")
                    + "\nstart_secs = \"0s\"\n");
            try (Stream<Path> s = Files.list(main.resolveSibling("conf.d"))) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            a.agent().reload();
            a.awaitState("after", ProcessState.RUNNING);
            assertEquals(svc, a.status("svc").pid());
        }
        StringBuilder sb = new StringBuilder();
        byKind.forEach((k, v) -> sb.append(k).append(' ').append(v[1]).append('/').append(v[0]).append(", "));
        System.out.printf("config-fuzz: %d cases (seed %d) rejected, %d also through a running agent's reload, in %.1f s; "
                + "located (line or key on every problem) per kind: %s%n", cases, seed, reloads, (System.nanoTime() - t0) / 1e9, sb);
    }
}
