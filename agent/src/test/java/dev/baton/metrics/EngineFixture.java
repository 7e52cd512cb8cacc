package dev.baton.metrics;

import static dev.baton.metrics.MetricsAgent.program;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Two Chainflip-like engines in one group, as small shell programs that print the real engine's
 * lines (shared/reference/chainflip-engine.md) for a chain release read from a file: rewrite the
 * file and the runtime "upgrades".
 */
final class EngineFixture {
    static final String GROUP = "chainflip";

    /** own version in $1; compatible = same major.minor. */
    private static final String ENGINE = """
            own="$1"; release_file="$2"; active=""; block=100
            echo "Starting chainflip-engine v$own (CI Build: \\"test\\")"
            json() { echo "{\\"timestamp\\":\\"2024-01-01T00:00:00Z\\",\\"level\\":\\"INFO\\",\\"fields\\":{\\"message\\":\\"$1\\"},\\"target\\":\\"chainflip_engine::state_chain_observer::client\\"}"; }
            while true; do
              release=$(cat "$release_file"); block=$((block + 1))
              if [ "${own%.*}" = "${release%.*}" ]; then
                [ -z "$active" ] && json "Initialised StateChainClient at block \\`$block\\`; block hash: \\`0xab\\`" && active=1
              elif [ -n "$active" ]; then
                json "This version '$own' is no longer compatible with the release version '$release' at block: 0x4d66…fb38"
                echo "Exiting chainflip-engine due to error: This version '$own' is no longer compatible"
                exit 0
              else
                json "This version '$own' is incompatible with the current release '$release' at block: 0x4d66…fb38. WAITING for a compatible release version."
              fi
              sleep 0.1
            done""";

    private final MetricsAgent agent;
    private final Path releaseFile;

    EngineFixture(MetricsAgent agent, String release) throws IOException {
        this.agent = agent;
        this.releaseFile = agent.dir.resolve("release");
        Files.writeString(releaseFile, release + "\n");
    }

    /** Program sections for one engine per version, named {@code cfe-1-2-0} for 1.2.0. */
    String config(String... versions) throws IOException {
        String script = agent.dir.resolve("engine").toString();
        agent.script("engine", ENGINE);
        StringBuilder sb = new StringBuilder();
        for (String v : versions) {
            sb.append(program("cfe-" + v.replace('.', '-'), "[\"" + script + "\", \"" + v + "\", \"" + releaseFile + "\"]",
                    "start_secs = \"0s\"", "engine_group = \"" + GROUP + "\"", "version = \"" + v + "\""));
        }
        return sb.toString();
    }

    void awaitUpgradeReady() {
        await().atMost(Duration.ofSeconds(60)).until(() -> agent.control().status().groups().stream()
                .anyMatch(g -> g.name().equals(GROUP) && g.upgradeReady() && g.active() != null));
    }

    /** The chain's runtime upgrade: the old engine gives up, the waiting one takes over. */
    void upgradeTo(String release) throws IOException {
        Files.writeString(releaseFile, release + "\n");
        await().atMost(Duration.ofSeconds(60)).until(() -> agent.control().status().groups().stream()
                .anyMatch(g -> g.name().equals(GROUP) && g.lastHandover() != null));
    }
}
