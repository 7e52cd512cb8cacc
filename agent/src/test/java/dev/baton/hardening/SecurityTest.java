package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.config.ConfigException;
import dev.baton.config.ConfigFilePermissions;
import dev.baton.config.ConfigLoader;
import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The threat model of docs/security.md, checked: config files someone other than root can change
 * are refused when the agent runs programs as root; what baton creates in the state directory is
 * not readable by others; commands never pass through a shell unless asked; the agent's secrets
 * and systemd's sockets never reach a program's environment.
 */
class SecurityTest {
    @TempDir
    Path dir;

    private static final int NOBODY = 65534;

    private Path main() {
        return dir.resolve("etc/baton.toml");
    }

    private void writeConfig(String programs) throws Exception {
        Files.createDirectories(main().getParent().resolve("conf.d"));
        Files.writeString(main(), Fixtures.agent(dir.resolve("state")) + programs);
    }

    private String rejection() {
        try {
            ConfigLoader.load(main());
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    private static void mode(Path p, String perms) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    @Test
    void configThatOthersCanChangeIsRefusedByARootAgent() throws Exception {
        assumeTrue(ConfigFilePermissions.effectiveUid() == 0, "the check applies to an agent running as root");
        String asRoot = program("engine", argv("sleep", "100000"), "start_secs = \"0s\"");
        writeConfig(asRoot);
        Path confd = main().resolveSibling("conf.d");
        Path dropIn = confd.resolve("10-x.toml");
        Files.writeString(dropIn, program("sidecar", argv("sleep", "100001")));
        mode(main().getParent(), "rwxr-xr-x");
        assertEquals(null, rejection(), "root's own files with safe modes load");

        record Case(String what, Path path, String perms, int uid, int gid, String expect) {
        }
        List<Case> cases = List.of(
                new Case("main file world-writable", main(), "rw-rw-rw-", 0, 0, "writable by every user (mode 0666)"),
                new Case("main file owned by a user", main(), "rw-r--r--", NOBODY, 0, "owned by uid 65534"),
                new Case("main file group-writable (group users)", main(), "rw-rw-r--", 0, 100, "writable by group 100"),
                new Case("config directory world-writable", main().getParent(), "rwxrwxrwx", 0, 0, "directory is writable by every user"),
                new Case("conf.d world-writable, sticky or not", confd, "rwxrwxrwt", 0, 0, "writable by every user (mode 1777)"),
                new Case("drop-in world-writable", dropIn, "rw-r--rw-", 0, 0, "writable by every user"),
                new Case("drop-in owned by a user", dropIn, "rw-r--r--", NOBODY, NOBODY, "owned by uid 65534"));
        for (Case c : cases) {
            String oldPerms = PosixFilePermissions.toString(Files.getPosixFilePermissions(c.path()));
            mode(c.path(), c.perms().replace('t', 'x'));
            if (c.perms().endsWith("t")) {
                Files.setAttribute(c.path(), "unix:mode", 01777);
            }
            Files.setAttribute(c.path(), "unix:uid", c.uid());
            Files.setAttribute(c.path(), "unix:gid", c.gid());
            String msg = rejection();
            assertTrue(msg != null && msg.contains(c.path().toString()) && msg.contains(c.expect())
                    && msg.contains("chmod go-w"), c.what() + ": " + msg);
            Files.setAttribute(c.path(), "unix:uid", 0);
            Files.setAttribute(c.path(), "unix:gid", 0);
            mode(c.path(), oldPerms);
            assertEquals(null, rejection(), "restored after " + c.what());
        }
        // Group-writable for group root is root's business.
        mode(main(), "rw-rw-r--");
        assertEquals(null, rejection());
        mode(main(), "rw-r--r--");
        // Programs that all run as other users do not make it safe: the config also names what the
        // root agent writes (log files, token, state), and a user = "00" was root.
        writeConfig(program("engine", argv("sleep", "100000"), "user = \"nobody\""));
        Files.writeString(dropIn, program("sidecar", argv("sleep", "100001"), "user = \"65534\""));
        mode(dropIn, "rw-rw-rw-");
        assertTrue(String.valueOf(rejection()).contains("10-x.toml: this file is writable by every user"), rejection());
    }

    private String agentId() {
        try {
            String id = Files.readString(dir.resolve("state/agent.id")).trim();
            return id.length() == 16 ? id : null;
        } catch (Exception e) {
            return null;
        }
    }

    private List<Proc.Tagged> mine() {
        String id = agentId();
        return id == null ? List.of() : Proc.tagged(id);
    }

    private static List<String> cmdline(int pid) throws Exception {
        return List.of(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).split("\0"));
    }

    @Test
    void aRunningAgentStateFilesShellAndEnvironment() throws Exception {
        writeConfig(program("words", "\"sleep '100000'\"", "start_secs = \"0s\"")
                + program("shelled", "\"sleep 100001; true\"", "shell = true", "start_secs = \"0s\"")
                + program("clean", argv("sleep", "100002"), "start_secs = \"0s\"", "inherit_environment = false",
                "environment = { ONLY = \"this\" }")
                + program("dropped", argv("sleep", "100003"), "start_secs = \"0s\""));
        AgentJvm.Builder b = AgentJvm.with(main()).env("KEEP_ME", "1").env("BATON_API_TOKEN", "s3cret-token")
                .env("BATON_CONFIG", "/secret/path").env("NOTIFY_SOCKET", dir.resolve("no-such-socket").toString())
                .env("WATCHDOG_USEC", "0").env("WATCHDOG_PID", "1").env("LISTEN_FDS", "1").env("LISTEN_PID", "1")
                .env("LISTEN_FDNAMES", "x").env("INVOCATION_ID", "abc").env("JOURNAL_STREAM", "0:0");
        try (AgentJvm agent = b.start()) {
            // Four instances, each past its start (with cgroups, a shell joins the cgroup first, then execs).
            await().atMost(Duration.ofSeconds(60)).until(() -> Proc.instancesByProgram(mine()).size() == 4
                    && mine().stream().noneMatch(t -> t.comm().equals("sh") && !t.program().equals("shelled"))
                    && mine().stream().anyMatch(t -> t.program().equals("shelled") && t.comm().equals("sleep")));
            Map<String, Proc.Tagged> byProgram = new java.util.HashMap<>();
            for (Proc.Tagged t : mine()) {
                byProgram.putIfAbsent(t.program(), t);
            }
            // Commands: split like a shell would, but no shell runs unless shell = true.
            List<String> words = cmdline(byProgram.get("words").pid());
            assertTrue(words.size() == 2 && words.get(0).endsWith("/sleep") && words.get(1).equals("100000"), words.toString());
            assertEquals("sleep", byProgram.get("words").comm());
            assertEquals(List.of("/bin/sh", "-c", "sleep 100001; true"), cmdline(mine().stream()
                    .filter(t -> t.program().equals("shelled") && t.comm().equals("sh")).findFirst().orElseThrow().pid()));
            // Environment: the agent's secrets and systemd's sockets never reach a program.
            for (Proc.Tagged t : mine()) {
                Map<String, String> env = Proc.environ(t.pid());
                for (String k : List.of("BATON_API_TOKEN", "BATON_CONFIG", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                        "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "INVOCATION_ID", "JOURNAL_STREAM")) {
                    assertFalse(env.containsKey(k), t.program() + " got " + k);
                }
                assertFalse(env.containsValue("s3cret-token"), t.program() + " got the token");
                assertTrue(env.keySet().containsAll(List.of("BATON_AGENT", "BATON_PROGRAM", "BATON_INSTANCE")));
            }
            assertEquals("1", Proc.environ(byProgram.get("words").pid()).get("KEEP_ME"), "the rest is inherited");
            Map<String, String> clean = Proc.environ(byProgram.get("clean").pid());
            assertEquals(java.util.Set.of("ONLY", "BATON_AGENT", "BATON_PROGRAM", "BATON_INSTANCE"), clean.keySet(),
                    "inherit_environment = false: nothing of the agent's");
            // Only fds 0-2 in a program (no JVM jar, socket or state file leaks into it).
            dev.baton.process.os.StandardFdsOnly.assertHeldBy(byProgram.get("words").pid());
            // A reload with a drop-in others can write is refused when it adds a root program.
            if (ConfigFilePermissions.effectiveUid() == 0) {
                Path dropIn = main().resolveSibling("conf.d/50-evil.toml");
                Files.writeString(dropIn, program("evil", argv("sleep", "100009"), "start_secs = \"0s\""));
                mode(dropIn, "rw-rw-rw-");
                int wordsPid = byProgram.get("words").pid();
                Os.kill((int) agent.pid(), Signals.SIGHUP);
                await().atMost(Duration.ofSeconds(20)).until(() -> agent.stdoutText().contains("reload refused"));
                assertTrue(agent.stdoutText().contains("50-evil.toml") && agent.stdoutText().contains("writable by every user"),
                        agent.stdoutText());
                assertTrue(mine().stream().noneMatch(t -> t.program().equals("evil")));
                assertTrue(Proc.alive(wordsPid));
                Files.delete(dropIn);
            }
            agent.sigterm();
        }
        // What baton created in the state directory: the directory 0750, files 0640, nothing for others.
        Path state = dir.resolve("state");
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        try (Stream<Path> files = Files.list(state)) {
            for (Path f : files.toList()) {
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
                assertEquals("rw-r-----", perms, f.getFileName() + " has mode " + perms);
            }
        }
        if (ConfigFilePermissions.effectiveUid() == 0) {
            // And a root agent refuses to start on a config others can write.
            mode(main(), "rw-rw-rw-");
            try (AgentJvm agent = AgentJvm.with(main()).start()) {
                assertEquals(2, agent.waitExit(60), "EXIT_CONFIG");
                assertTrue(agent.stderrText().contains("writable by every user"), agent.stderrText());
            }
        }
    }

    /**
     * An agent started under umask 000 (a root shell with it, a wrapper that sets it): the
     * directories it creates above a log file and the token file must not be writable by others,
     * or nobody could plant a link at the file's name for root to write through.
     */
    @Test
    void directoriesTheAgentCreatesUnderUmask000AreNotWritableByOthers() throws Exception {
        Path log = dir.resolve("logs/engine/talk.log");
        Path token = dir.resolve("secrets/api/api.token");
        Files.createDirectories(main().getParent());
        Files.writeString(main(), Fixtures.agent(dir.resolve("state")).replace("[api]\nenabled = false",
                "[api]\nenabled = true\nport = " + dev.baton.api.RunningAgent.freePort() + "\ntoken_file = \"" + token + "\"")
                + program("talk", argv("sh", "-c", "while true; do echo hi; sleep 1; done"), "[programs.talk.log]",
                "file = \"" + log + "\""));
        try (AgentJvm agent = underUmask000()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(log) && Files.size(log) > 0 || !agent.alive());
            assertTrue(Files.exists(token), agent.stdoutText() + agent.stderrText());
            for (Path d : List.of(log.getParent(), log.getParent().getParent(), token.getParent(),
                    token.getParent().getParent())) {
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(d));
                assertEquals("rwxr-xr-x", perms, d + " was created with mode " + perms);
            }
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
            if (ConfigFilePermissions.effectiveUid() == 0) {
                Process ln = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                        "ln", "-s", "/etc/shadow", log.resolveSibling("planted").toString()).start();
                assertTrue(ln.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) && ln.exitValue() != 0,
                        "nobody planted a link in the log directory");
            }
            agent.sigterm();
        }
    }

    private AgentJvm underUmask000() throws Exception {
        return AgentJvm.with(main()).prefix("sh", "-c", "umask 000 && exec \"$@\"", "sh").start();
    }

    /**
     * jffi (under jnr) copies its native library to a temp file and loads it: under umask 000 that
     * file, in /tmp, was writable by every user until the root agent loaded it.
     */
    @Test
    void nativeCodeTheAgentLoadsUnderUmask000ComesFromADirectoryOnlyItCanEnter() throws Exception {
        writeConfig(program("idle", argv("sleep", "100004"), "start_secs = \"0s\""));
        try (AgentJvm agent = underUmask000()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !mine().isEmpty() || !agent.alive());
            List<String> copies;
            try (Stream<String> maps = Files.lines(Path.of("/proc/" + agent.pid() + "/maps"))) {
                copies = maps.map(l -> l.replaceFirst("^(\\S+\\s+){5}", "").replace(" (deleted)", ""))
                        .filter(f -> f.matches(".*/jffi[^/]*\\.so")).distinct().toList();
            }
            assertEquals(1, copies.size(), copies.toString());
            Path dir = Path.of(copies.get(0)).getParent();
            if (Files.exists(dir)) {
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
                assertTrue(perms.endsWith("------"), "the agent loaded " + copies.get(0) + " from " + dir + " (mode " + perms + ")");
            }
            assertFalse(dir.equals(Path.of(System.getProperty("java.io.tmpdir"))), "loaded from " + dir);
            agent.sigterm();
        }
    }

    @Test
    void theStaticChecksDoNotDependOnRoot() {
        // With a non-root agent nothing is checked: programs run as the agent's own user anyway.
        if (ConfigFilePermissions.effectiveUid() != 0) {
            return;
        }
        try {
            Path unsafe = dir.resolve("baton.toml");
            Files.writeString(unsafe, Fixtures.agent(dir.resolve("state")) + program("x", argv("sleep", "1")));
            mode(unsafe, "rw-rw-rw-");
            ConfigLoader.load(unsafe);
            fail("a world-writable config with a root program was accepted by a root agent");
        } catch (ConfigException e) {
            assertTrue(e.getMessage().contains("writable by every user"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
