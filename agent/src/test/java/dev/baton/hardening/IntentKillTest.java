package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.RunningAgent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent SIGKILLed at a random moment of an operator's {@code restart all}, round after round:
 * the intent on disk is, at every moment, either what it was before or "running" for every program
 * (recorded in one write before anything is done), never the "stopped" of the restart's first
 * half, which brought the next agent up with everything "stopped by an operator". A hand-stopped
 * program is part of it: {@code restart all} starts it. The next agent runs exactly what it should.
 */
@Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
class IntentKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> AUTOSTART = new TreeSet<>(List.of("a", "b", "c", "d"));

    @TempDir
    Path dir;

    @Test
    void killedDuringRestartAllTheAgentComesBackRunningWhatRan() throws Exception {
        int rounds = Soak.count("intentRounds", 8, 60);
        long seed = Soak.seed();
        Random rnd = new Random(seed);
        int port = RunningAgent.freePort();
        // Slow to stop (a TERM handler that takes a moment), so a kill often lands in the stop half.
        Path slow = Fixtures.script(dir, "slow.sh", "trap 'sleep 0.2; exit 0' TERM\nsleep 100000 & wait");
        StringBuilder cfg = new StringBuilder("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n"
                + "log_mode = \"prefixed\"\nshutdown_timeout = \"20s\"\n\n[api]\nport = " + port + "\n\n");
        int priority = 10;
        for (String name : AUTOSTART) {
            cfg.append(program(name, argv(slow), "start_secs = \"0s\"", "stop_timeout = \"3s\"", "priority = " + priority));
            priority += 10;
        }
        cfg.append(program("manual", argv("sleep", "100000"), "start_secs = \"0s\""));
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, cfg.toString());
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/programs.json"),
                "{\"version\":1,\"programs\":{\"manual\":{\"desired\":\"stopped\",\"pid\":0,\"startTime\":0}}}");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String agentId = null;
        int killedInStopHalf = 0;
        System.out.println("intent-kill: " + rounds + " rounds, seed " + seed + " (-Dbaton.hardening.seed to replay)");
        for (int round = 1; round <= rounds; round++) {
            try (AgentJvm agent = AgentJvm.with(config).start()) {
                agentId = agentId != null ? agentId : awaitAgentId(agent);
                Map<String, String> before = desired();
                settle(agent, agentId, http, port, "round " + round + " (seed " + seed + ")");
                String token = Files.readString(dir.resolve("state/api.token")).trim();
                HttpRequest restart = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/v1/programs/all/restart")).header("Authorization", "Bearer " + token)
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build();
                var answer = http.sendAsync(restart, HttpResponse.BodyHandlers.discarding());
                long delay = rnd.nextInt(700);
                await().pollDelay(Duration.ofMillis(delay)).atMost(Duration.ofMillis(delay + 2000)).until(() -> true);
                if (!answer.isDone()) {
                    killedInStopHalf++;
                }
                agent.sigkill();
                Map<String, String> after = desired();
                Map<String, String> allRunning = new TreeMap<>();
                after.keySet().forEach(name -> allRunning.put(name, "running"));
                assertTrue(after.equals(before) || after.equals(allRunning) && after.size() == AUTOSTART.size() + 1,
                        "round " + round + " (seed " + seed + "): killed during restart all, the intent is " + after
                                + ", was " + before);
            }
        }
        try (AgentJvm agent = AgentJvm.with(config).start()) {
            settle(agent, agentId, http, port, "after the last round");
            assertEquals(0, agent.sigterm());
        }
        System.out.printf("intent-kill: %d rounds (%d killed before restart all answered), intent never half-done%n", rounds,
                killedInStopHalf);
    }

    private static boolean healthy(HttpClient http, int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The operator's intent per program. An entry without {@code desired} (null) carries no intent of its own,
     * the config's autostart decides, as for a program with no entry: both are left out, since the first round
     * may read the file before the agent has written its entries for the autostarted programs.
     */
    private Map<String, String> desired() throws IOException {
        Map<String, String> out = new TreeMap<>();
        JsonNode programs = JSON.readTree(dir.resolve("state/programs.json").toFile()).path("programs");
        programs.fields().forEachRemaining(e -> {
            String desired = e.getValue().path("desired").asText(null);
            if (desired != null) {
                out.put(e.getKey(), desired);
            }
        });
        return out;
    }

    private String awaitAgentId(AgentJvm agent) throws IOException {
        Path id = dir.resolve("state/agent.id");
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            assertTrue(agent.alive(), () -> "the agent exited: " + agent.stderrText() + agent.stdoutText());
            return Files.exists(id) && Files.readString(id).trim().length() == 16;
        });
        return Files.readString(id).trim();
    }

    /** Exactly one instance of each program that should run, none of the others, all the current agent's; the API answers. */
    private void settle(AgentJvm agent, String agentId, HttpClient http, int port, String where) throws IOException {
        Set<String> want = new TreeSet<>(AUTOSTART);
        if ("running".equals(desired().get("manual"))) {
            want.add("manual");
        }
        String[] last = {""};
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                assertTrue(agent.alive(), () -> "the agent died: " + agent.stderrText());
                List<Proc.Tagged> tagged = Proc.tagged(agentId);
                Map<String, List<String>> inst = Proc.instancesByProgram(tagged);
                boolean own = tagged.stream().allMatch(t -> Proc.ancestors(t.pid()).contains((int) agent.pid()));
                last[0] = inst + (own ? "" : ", some not the current agent's");
                return inst.keySet().equals(want) && inst.values().stream().allMatch(l -> l.size() == 1) && own
                        && healthy(http, port);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(where + ": did not settle: " + last[0], e);
        }
    }
}
