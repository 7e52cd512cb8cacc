package dev.baton.agent;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real agent in its own JVM (for what an in-process agent cannot show: the agent SIGKILLed,
 * PID 1 in a namespace, a blocked stdout). Uses this test JVM's class path.
 */
final class AgentProcess implements AutoCloseable {
    final Process process;

    private AgentProcess(Process process) {
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
    static String classPath() {
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

    long pid() {
        return process.pid();
    }

    void sigkill() {
        process.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
    }

    int sigterm() throws InterruptedException {
        process.destroy();
        return waitExit();
    }

    int waitExit() throws InterruptedException {
        if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("agent did not exit within 120 s");
        }
        return process.exitValue();
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
