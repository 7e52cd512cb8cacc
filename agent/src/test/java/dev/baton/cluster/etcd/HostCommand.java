package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One command of the network fixtures ({@code ip}, {@code etcdctl}), run to its end (at most 10 s),
 * its output and error together. With {@code mustSucceed} a failure (non-zero exit, no such program,
 * an interrupt) throws, naming the command; without, it is a result that is not {@link #ok}.
 */
record HostCommand(int exitCode, String output) {

    boolean ok() {
        return exitCode == 0;
    }

    static HostCommand run(boolean mustSucceed, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": no exit within 10 s");
            }
            if (p.exitValue() != 0 && mustSucceed) {
                throw new IllegalStateException(String.join(" ", command) + ": " + output.trim());
            }
            return new HostCommand(p.exitValue(), output);
        } catch (IOException e) {
            if (mustSucceed) {
                throw new UncheckedIOException(e);
            }
            return new HostCommand(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (mustSucceed) {
                throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
            }
            return new HostCommand(-1, "");
        }
    }
}
