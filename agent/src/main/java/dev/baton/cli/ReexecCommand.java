package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baton reexec}: the agent re-executes the installed version in place (same pid) and the new
 * version adopts the running programs, none restarted. What a package upgrade runs instead of a
 * restart. Waits for the new agent's status and says what it adopted.
 */
@Command(name = "reexec", description = "Re-execute the installed baton in place (same pid): the running programs "
        + "are adopted by the new version, none is restarted. Refused, with the reason, when it cannot be done safely.",
        footer = {"", "A refusal changes nothing: the running agent goes on. systemctl restart baton is the other way "
                + "(it restarts every program).", ExitCodes.HELP})
final class ReexecCommand extends ClientCommand {
    private static final long POLL_NANOS = Duration.ofMillis(200).toNanos();

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for the new version to answer (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Override
    int run(ApiClient api) throws CliException {
        JsonNode before = api.get("/v1/status").json().path("agent");
        ApiClient.Answer a = api.post("/v1/reexec");
        if (!options.json) {
            out().println(a.json().path("message").asText());
            out().flush();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
        while (System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
            JsonNode agent;
            try {
                agent = api.get("/v1/status").json().path("agent");
            } catch (CliException e) {
                continue; // between the exec and the new agent's API
            }
            JsonNode reexec = agent.path("reexec");
            boolean restarted = !agent.path("started_at").asText().equals(before.path("started_at").asText());
            if (!restarted && reexec.hasNonNull("last_failure")) {
                throw new CliException(ExitCodes.FAILED, reexec.path("last_failure").asText());
            }
            if (restarted) {
                return report(before, agent);
            }
        }
        throw new CliException(ExitCodes.FAILED, "the agent did not answer as a re-executed agent within " + waitSeconds
                + " s (journalctl -u baton says what happened)");
    }

    private int report(JsonNode before, JsonNode agent) {
        JsonNode reexec = agent.path("reexec");
        if (options.json) {
            out().println(agent.toString());
        } else {
            out().println("baton " + before.path("version").asText() + " -> " + agent.path("version").asText() + ", pid "
                    + agent.path("pid").asLong() + (agent.path("pid").asLong() == before.path("pid").asLong() ? " (kept)"
                    : " (changed: the agent was restarted, not re-executed)"));
            out().println("adopted: " + String.join(", ", names(reexec.path("adopted"))));
            if (reexec.path("not_adopted").size() > 0) {
                out().println("not adopted (ended and started again): " + String.join(", ", names(reexec.path("not_adopted"))));
            }
        }
        out().flush();
        return agent.path("pid").asLong() == before.path("pid").asLong() && reexec.path("not_adopted").size() == 0
                ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static java.util.List<String> names(JsonNode array) {
        java.util.List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out.isEmpty() ? java.util.List.of("(none)") : out;
    }
}
