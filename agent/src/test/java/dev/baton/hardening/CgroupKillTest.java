package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.config.ConfigFilePermissions;
import dev.baton.process.os.ProgramCgroups;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Programs that outlive the agent. A program run as user nobody forks a child that leaves its
 * process group (setsid), drops baton's tags (env -i) and execs a setuid copy of sleep, which
 * clears the parent-death signal: after the agent's SIGKILL it lives on as an orphan nothing but
 * its cgroup can find. With cgroups, the agent's next start kills it there; a stop kills it too.
 * Without them, an exclusive program from such a binary is refused (checked on the binaries).
 */
class CgroupKillTest {
    private static final long MARK = 100_000 + ProcessHandle.current().pid() % 50_000;

    @TempDir
    Path dir;

    /** A setuid-root copy of sleep that user nobody can run. */
    private Path setuidSleep() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path copy = dir.resolve("suid-sleep");
        Files.copy(Path.of("/bin/sleep"), copy, StandardCopyOption.REPLACE_EXISTING);
        Files.setAttribute(copy, "unix:mode", 04755);
        return copy;
    }

    private static List<Long> escapees(long mark) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> a.length == 1
                && a[0].equals(Long.toString(mark))).orElse(false)).map(ProcessHandle::pid).toList();
    }

    @Test
    void anEscapedSetuidOrphanIsKilledThroughItsCgroup() throws Exception {
        assumeTrue(ConfigFilePermissions.effectiveUid() == 0, "needs root: a program as nobody, a setuid binary");
        Path probeBase = Path.of("/proc/self/cgroup");
        assumeTrue(Files.isReadable(probeBase));
        Path suid = setuidSleep();
        Path escaper = Fixtures.script(dir, "escaper.sh", "setsid env -i " + suid + " " + MARK + " &\nexec sleep 100000");
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state"))
                + program("escaper", argv(escaper), "user = \"nobody\"", "start_secs = \"0s\"", "stop_timeout = \"2s\""));
        String agentId;
        try (AgentJvm agent = AgentJvm.with(cfg).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> escapees(MARK).size() == 1);
            agentId = Files.readString(dir.resolve("state/agent.id")).trim();
            String cgroup = Files.readString(Path.of("/proc/" + escapees(MARK).get(0) + "/cgroup"));
            assumeTrue(cgroup.contains("/baton-" + agentId + "/escaper."), "no cgroups here (" + cgroup.strip()
                    + "): the agent said " + agent.stdoutText().lines().filter(l -> l.contains("cgroups:")).toList());
            agent.sigkill();
        }
        long orphan = escapees(MARK).get(0);
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false),
                "the setuid orphan outlived the agent (parent-death signal cleared), as the threat says");
        assertNull(Proc.environ((int) orphan).get("BATON_AGENT"), "and carries no tag for the next agent to find");
        try (AgentJvm agent = AgentJvm.with(cfg).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !ProcessHandle.of(orphan).map(ProcessHandle::isAlive)
                    .orElse(false));
            assertTrue(agent.stdoutText().contains("left in the cgroups of a previous run"), agent.stdoutText());
            // And a stop ends the new instance's escapee the same way.
            await().atMost(Duration.ofSeconds(60)).until(() -> escapees(MARK).size() == 1);
            long second = escapees(MARK).get(0);
            assertEquals(0, agent.sigterm(), agent.stdoutText());
            assertTrue(!ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false), "stopped with its cgroup");
        }
        assertTrue(!Files.exists(ownCgroupOf("baton-" + agentId)), "the agent removed its cgroups at its exit");
    }

    private static Path ownCgroupOf(String name) throws Exception {
        Optional<Path> base = Optional.empty();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(" - cgroup2 ")) {
                base = Optional.of(Path.of(line.split(" ")[4]));
            }
        }
        String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
                .findFirst().orElse("0::/").substring(3);
        return base.orElse(Path.of("/nonexistent")).resolve(own.replaceFirst("^/", "")).resolve(name);
    }

    @Test
    void withoutCgroupsAnExclusiveProgramThatCouldEscapeIsRefused() throws Exception {
        Path suid = setuidSleep();
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");
        String why = ProgramCgroups.whyItCouldOutliveTheAgent(suid.toString(), "nobody", null, env);
        assertTrue(why != null && why.contains("is setuid") && why.contains("Delegate=yes"), why);
        assertNull(ProgramCgroups.whyItCouldOutliveTheAgent(suid.toString(), null, null, env), "root keeps the signal");
        assertNull(ProgramCgroups.whyItCouldOutliveTheAgent(suid.toString(), "0", null, env));
        assertNull(ProgramCgroups.whyItCouldOutliveTheAgent("sleep", "nobody", null, env), "a plain binary");
        Files.setAttribute(suid, "unix:mode", 02755);
        assertTrue(String.valueOf(ProgramCgroups.whyItCouldOutliveTheAgent(suid.toString(), "nobody", null, env))
                .contains("is setgid"));
        Files.setAttribute(suid, "unix:mode", 0755);
        Process setcap = new ProcessBuilder("setcap", "cap_net_bind_service+ep", suid.toString()).redirectErrorStream(true)
                .start();
        boolean capped = setcap.waitFor(10, TimeUnit.SECONDS) && setcap.exitValue() == 0;
        if (capped) {
            assertTrue(String.valueOf(ProgramCgroups.whyItCouldOutliveTheAgent(suid.toString(), "nobody", null, env))
                    .contains("has file capabilities"));
        } else {
            System.out.println("cgroup-kill: setcap failed here (" + new String(setcap.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip() + "): the file-capability case is not checked");
        }
    }
}
