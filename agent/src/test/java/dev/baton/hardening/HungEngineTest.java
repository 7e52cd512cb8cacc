package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.os.Os;
import dev.baton.process.os.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engines that hang: ignore SIGTERM (also in a descendant that left the process group), stop
 * writing, never read stdin; and the agent's own stdout blocked (a stalled log shipper) the whole
 * time. Stops escalate to SIGKILL on time, and a chatty program is never slowed by the blocked stdout.
 */
// Longer than the suite's default 180 s: the default run takes minutes, -Psoak much longer; each wait inside is bounded.
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.MINUTES)
class HungEngineTest {
    @TempDir
    Path dir;

    private long heartbeat(Path hb) {
        try {
            String s = Files.readString(hb).trim();
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (Exception e) {
            return 0;
        }
    }

    private String agentId;

    private List<Proc.Tagged> mine() {
        if (agentId == null) {
            try {
                String id = Files.readString(dir.resolve("state/agent.id")).trim();
                agentId = id.length() == 16 ? id : null;
            } catch (Exception e) {
                return List.of();
            }
        }
        return agentId == null ? List.of() : Proc.tagged(agentId);
    }

    private long count(String program) {
        return mine().stream().filter(t -> program.equals(t.program())).count();
    }

    @Test
    void stopsEscalateOnTimeAndABlockedAgentStdoutBlocksNoProgram() throws Exception {
        Path hb = dir.resolve("hb");
        Path hung = Fixtures.script(dir, "hung.sh", "trap '' TERM\necho 'hung: started, never writes again'\nexec sleep 100000");
        Path tree = Fixtures.script(dir, "tree.sh", "trap '' TERM\nsetsid sh -c \"trap '' TERM; exec sleep 100001\" &\n"
                + "echo 'tree: child left the group'\nexec sleep 100002");
        Path chatty = Fixtures.script(dir, "chatty.sh", "i=0\nwhile :; do i=$((i+1)); echo \"chatty line $i "
                + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; "
                + "[ $((i % 500)) = 0 ] && echo $i > " + hb + "; done");
        String common = "start_secs = \"0s\"\nstop_timeout = \"2s\"";
        String chattyOnly = program("chatty", argv(chatty), "start_secs = \"0s\"");
        String all = chattyOnly + program("hung", argv(hung), common) + program("tree", argv(tree), common)
                + program("hung-at-exit", argv(hung), common);
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state"), "shutdown_timeout = \"30s\"") + all);
        // stdout is a pipe nobody reads: after 64 KiB every write to it would block.
        try (AgentJvm agent = AgentJvm.with(cfg).stdout(ProcessBuilder.Redirect.PIPE).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> count("hung") == 1 && count("tree") == 2
                    && count("hung-at-exit") == 1 && heartbeat(hb) > 0);
            for (Proc.Tagged t : mine()) {
                Path stdin = Files.readSymbolicLink(Path.of("/proc/" + t.pid() + "/fd/0"));
                assertEquals(Path.of("/dev/null"), stdin, "stdin of " + t);
            }
            // Blocked agent stdout: the chatty program keeps going.
            long b0 = heartbeat(hb);
            await().atMost(Duration.ofSeconds(30)).until(() -> heartbeat(hb) > b0 + 20_000);

            // Reload without the hung programs: each stop must end in SIGKILL after stop_timeout (2 s).
            Files.writeString(cfg, Fixtures.agent(dir.resolve("state"), "shutdown_timeout = \"30s\"") + chattyOnly
                    + program("hung-at-exit", argv(hung), common));
            long t0 = System.nanoTime();
            Os.kill((int) agent.pid(), Signals.SIGHUP);
            long b1 = heartbeat(hb);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> count("hung") == 0 && count("tree") == 0);
            double stopSecs = (System.nanoTime() - t0) / 1e9;
            assertTrue(stopSecs >= 1.9, "stopped before stop_timeout although SIGTERM is ignored: " + stopSecs);
            // (a read may land between the shell's truncate and write of hb: poll briefly)
            await("the chatty program went on during the stops").atMost(Duration.ofSeconds(10)).until(() -> heartbeat(hb) > b1);

            // Shutdown with stdout still blocked: the last hung program is killed on time too.
            long t1 = System.nanoTime();
            agent.process.destroy();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> count("hung-at-exit") == 0);
            double shutdownStop = (System.nanoTime() - t1) / 1e9;
            int code = agent.waitExit(60);
            double exitSecs = (System.nanoTime() - t1) / 1e9;
            System.out.printf("hung: reload stop of 2 TERM-ignoring programs (one with a setsid child) %.2f s "
                    + "(stop_timeout 2 s); at shutdown %.2f s, agent exited %d after %.2f s, stdout blocked all along%n",
                    stopSecs, shutdownStop, code, exitSecs);
            assertTrue(shutdownStop >= 1.9, "stopped before stop_timeout although SIGTERM is ignored: " + shutdownStop);
            assertEquals(1, code, "exit code 1: a program needed SIGKILL");
            assertTrue(mine().isEmpty(), "left behind: " + mine());
        }
    }

    @Test
    void blockedStdoutDoesNotHoldAStopOrTheLoop() throws Exception {
        // A program that floods stdout while the agent's stdout is blocked, stopped and restarted by reloads.
        Path flood = Fixtures.script(dir, "flood.sh", "trap 'exit 0' TERM\nwhile :; do echo 'flood xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; done");
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state"))
                + program("flood", argv(flood), "start_secs = \"0s\"", "environment = { N = \"0\" }"));
        try (AgentJvm agent = AgentJvm.with(cfg).stdout(ProcessBuilder.Redirect.PIPE).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> count("flood") == 1);
            int rounds = Soak.count("blockedReloads", 10, 100);
            for (int n = 1; n <= rounds; n++) {
                List<Proc.Tagged> before = mine();
                Files.writeString(cfg, Fixtures.agent(dir.resolve("state"))
                        + program("flood", argv(flood), "start_secs = \"0s\"", "environment = { N = \"" + n + "\" }"));
                Os.kill((int) agent.pid(), Signals.SIGHUP);
                String want = "N=" + n;
                await().atMost(Duration.ofSeconds(20)).until(() -> mine().stream()
                        .anyMatch(t -> "flood".equals(t.program()) && Proc.environ(t.pid()).getOrDefault("N", "").equals(want.substring(2)))
                        && Proc.instancesByProgram(mine()).getOrDefault("flood", List.of()).size() == 1);
                assertTrue(before.stream().noneMatch(t -> Proc.alive(t.pid())), "the old instance is gone");
            }
            assertEquals(0, agent.sigterm());
        }
    }
}
