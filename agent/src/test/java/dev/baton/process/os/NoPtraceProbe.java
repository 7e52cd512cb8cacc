package dev.baton.process.os;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by {@link RunningBinariesTest} in a JVM without CAP_SYS_PTRACE (as the packaged unit runs the
 * agent): starts {@code args[0]} as user nobody, names {@code args[1]} as its command's file (a
 * different file, so the output tells which was hashed) and prints what {@link RunningBinaries} saw.
 */
public final class NoPtraceProbe {
    private NoPtraceProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path binary = Path.of(args[0]);
        Process child = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                binary.toString(), "300").start();
        try (RunningBinaries binaries = new RunningBinaries()) {
            Path commandFile = Path.of(args[1]);
            binaries.spawned("engine", (int) child.pid(), () -> commandFile);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!binaries.snapshot().containsKey("engine") && System.nanoTime() < deadline) {
                Thread.sleep(20); // a separate JVM without awaitility: poll its published map
            }
            RunningBinaries.Binary b = binaries.snapshot().get("engine");
            System.out.println(b == null ? "none" : b.path() + " " + b.sha256());
        } finally {
            child.destroyForcibly();
        }
    }
}
