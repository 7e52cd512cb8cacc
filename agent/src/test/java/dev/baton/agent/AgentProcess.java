package dev.baton.agent;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real agent in its own JVM (for what an in-process agent cannot show: the agent SIGKILLed,
 * PID 1 in a namespace, a blocked stdout). Uses this test JVM's class path. Never use it in a class
 * that also runs an in-process agent (that agent's waitpid(-1) reaper would steal its children).
 */
public class AgentProcess implements AutoCloseable {
    public final Process process;

    protected AgentProcess(Process process) {
        this.process = process;
    }

    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", classPath(),
                "dev.baton.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The test class path, written out in full (surefire may hand us a manifest-only jar). */
    public static String classPath() {
        String cp = System.getProperty("java.class.path");
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : cp;
    }

    static AgentProcess start(Path config, ProcessBuilder.Redirect stdout, String... prefix) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(prefix));
        cmd.addAll(javaCommand("run", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.stderr").toFile()));
        return new AgentProcess(pb.start());
    }

    static AgentProcess start(Path config) throws IOException {
        return start(config, ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.stdout").toFile()));
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public void sigkill() {
        process.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
    }

    public int sigterm() throws InterruptedException {
        process.destroy();
        return waitExit();
    }

    public int waitExit() throws InterruptedException {
        return waitExit(120);
    }

    public int waitExit(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("agent did not exit within " + seconds + " s");
        }
        return process.exitValue();
    }

    static String read(Path file) {
        return read(file, StandardCharsets.UTF_8);
    }

    /** A file's text, or "" while it does not exist yet. */
    public static String read(Path file, Charset charset) {
        try {
            return Files.exists(file) ? Files.readString(file, charset) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
