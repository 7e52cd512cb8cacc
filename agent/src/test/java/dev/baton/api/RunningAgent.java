package dev.baton.api;

import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real agent in the test JVM with its HTTP API on a free loopback port, real programs, a config
 * and state directory in a temp directory. Used by the API and the CLI tests.
 */
public final class RunningAgent implements AutoCloseable {
    public final Path dir;
    public final Path configFile;
    public final Path stateDir;
    public final int port;
    private Agent agent;
    private CompletableFuture<Integer> exit;

    public RunningAgent(Path dir) throws IOException {
        this.dir = dir;
        this.configFile = dir.resolve("baton.toml");
        this.stateDir = dir.resolve("state");
        this.port = freePort();
    }

    /** Writes the config: [agent] in the temp dir, [api] on 127.0.0.1:port plus {@code apiLines}, then programs. */
    public RunningAgent config(String apiLines, String programs) throws IOException {
        Files.writeString(configFile, "[agent]\nstate_dir = \"" + stateDir + "\"\nlog_mode = \"prefixed\"\n"
                + "shutdown_timeout = \"60s\"\n\n[api]\nenabled = true\nlisten = \"127.0.0.1\"\nport = " + port + "\n"
                + apiLines + "\n\n" + programs);
        return this;
    }

    public RunningAgent config(String programs) throws IOException {
        return config("", programs);
    }

    /** Starts the agent and waits until its API answers. */
    public RunningAgent start() {
        return start(true);
    }

    /** Starts the agent; {@code overTcp} false: waits for its Unix socket instead (its TCP port is taken). */
    public RunningAgent start(boolean overTcp) {
        agent = new Agent(configFile);
        exit = CompletableFuture.supplyAsync(agent::run);
        Http http = http();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> exit.isDone() || (overTcp ? http.get("/healthz").status() == 200
                        : Files.exists(stateDir.resolve("api.sock"))));
        if (exit.isDone()) {
            throw new IllegalStateException("the agent ended at start with exit code " + exit.join());
        }
        return this;
    }

    public Agent agent() {
        return agent;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public Path tokenFile() {
        return stateDir.resolve("api.token");
    }

    public String token() throws IOException {
        return Files.readString(tokenFile()).trim();
    }

    public Http http() {
        return new Http(url(), () -> {
            try {
                return token();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public ProgramStatus status(String program) {
        return agent.statusByName().get(program);
    }

    public ProgramStatus awaitState(String program, ProcessState state) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ProgramStatus s = status(program);
            return s != null && s.state() == state;
        });
        return status(program);
    }

    /** Stops every program and the agent; returns its exit code. */
    public int stop() {
        agent.shutdown(-1);
        return exit.orTimeout(120, TimeUnit.SECONDS).join();
    }

    @Override
    public void close() {
        if (agent != null && !exit.isDone()) {
            stop();
        }
    }

    /** A port nothing listens on right now (loopback). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A shell script in the temp dir, executable; returns its TOML command array. */
    public String script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return "[\"" + p + "\"]";
    }

    /** A TOML program section. */
    public static String program(String name, String command, String... extraLines) {
        StringBuilder sb = new StringBuilder("[programs." + name + "]\ncommand = " + command + "\n");
        for (String l : extraLines) {
            sb.append(l).append('\n');
        }
        return sb.append('\n').toString();
    }
}
