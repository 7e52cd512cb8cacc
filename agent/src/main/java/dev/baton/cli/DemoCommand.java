package dev.baton.cli;

import dev.baton.agent.Agent;
import dev.baton.control.AgentStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baton demo}: the whole story in about 20 seconds with no input. Two simulated Chainflip
 * engines start (1.0.3 active, 1.1.0 waiting), the chain's runtime upgrade happens (the release
 * file the simulators read changes), 1.1.0 takes over and baton idles 1.0.3 on its own.
 */
@Command(name = "demo", description = "Run two simulated engines through a runtime upgrade (about 20 s, no input).")
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("dev.baton.demo");
    private static final String GROUP = "chainflip";
    private static final String OLD = "chainflip-engine1-0";
    private static final String NEW = "chainflip-engine1-1";

    @Option(names = "--keep", description = "Keep the demo's directory (config, state) afterwards.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("baton-demo-");
        Path release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        Path config = dir.resolve("baton.toml");
        Files.writeString(config, renderConfig(dir));

        long t0 = System.nanoTime();
        Agent agent = new Agent(config);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(agent::run);
        boolean told = tellTheStory(agent, release);
        agent.shutdown(-1);
        int code = run.get(60, TimeUnit.SECONDS);
        System.out.printf("%ndemo: %s in %.1f s (agent exit code %d). Config and state were in %s%n",
                told ? "the handover happened on its own" : "the handover did NOT complete",
                (System.nanoTime() - t0) / 1e9, code, dir);
        if (!keep) {
            deleteTree(dir);
        }
        return told && code == 0 ? 0 : 1;
    }

    private boolean tellTheStory(Agent agent, Path release) throws IOException, InterruptedException {
        log.info("demo: two engine versions start side by side; the chain runs release 1.0.0");
        if (!waitFor(Duration.ofSeconds(30), () -> role(agent, OLD).equals("ACTIVE") && role(agent, NEW).equals("WAITING"))) {
            log.error("demo: the engines did not reach ACTIVE/WAITING in time");
            return false;
        }
        log.info("demo: before the upgrade: {} is ACTIVE (1.0.3), {} is WAITING (1.1.0), upgrade ready: {}",
                OLD, NEW, group(agent).map(AgentStatus.GroupStatus::upgradeReady).orElse(false) ? "yes" : "no");
        pause(Duration.ofSeconds(3));
        log.info("demo: the runtime upgrade lands: release 1.0.0 -> 1.1.0");
        Files.writeString(release, "1.1.0\n");
        if (!waitFor(Duration.ofSeconds(30), () -> role(agent, NEW).equals("ACTIVE") && role(agent, OLD).equals("IDLE"))) {
            log.error("demo: the handover did not complete in time");
            return false;
        }
        log.info("demo: after the upgrade: {} is ACTIVE (1.1.0); {} is IDLE and stays stopped, no restart churn, "
                + "no WAITING spam, nobody paged", NEW, OLD);
        pause(Duration.ofSeconds(3));
        String state = String.valueOf(agent.statusByName().get(OLD).state());
        log.info("demo: three seconds later {} is still {}; stopping the demo", OLD, state);
        return role(agent, OLD).equals("IDLE");
    }

    private static Optional<AgentStatus.GroupStatus> group(Agent agent) {
        return agent.handover() == null ? Optional.empty()
                : agent.handover().groups().stream().filter(g -> g.name().equals(GROUP)).findFirst();
    }

    private static String role(Agent agent, String program) {
        return group(agent).flatMap(g -> g.engines().stream().filter(e -> e.program().equals(program)).findFirst())
                .map(AgentStatus.EngineStatus::role).orElse("");
    }

    /** Polls a condition every 100 ms, at most {@code limit}. */
    private static boolean waitFor(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** A pause in the story, so a reader sees the engines' lines between the demo's sentences. */
    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /** The embedded config with this machine's java, class path and the demo's directory filled in. */
    static String renderConfig(Path dir) throws IOException {
        String template;
        try (InputStream in = DemoCommand.class.getResourceAsStream("/dev/baton/demo/baton.toml")) {
            if (in == null) {
                throw new IOException("the demo config is missing from the jar (dev/baton/demo/baton.toml)");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return template.replace("{java}", java)
                .replace("{classpath}", System.getProperty("java.class.path"))
                .replace("{dir}", dir.toString());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
