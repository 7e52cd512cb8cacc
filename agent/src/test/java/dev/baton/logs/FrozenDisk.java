package dev.baton.logs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A slow or stalled disk for log file tests: a small ext4 filesystem on a loop device that
 * {@link #freeze} stops (fsfreeze: every write to it, and every file created on it, waits) until
 * {@link #thaw}. A test without root, mkfs.ext4, a loop device or fsfreeze is skipped. Closing it
 * thaws and unmounts.
 */
final class FrozenDisk implements AutoCloseable {
    final Path mount;

    FrozenDisk(Path dir) throws IOException, InterruptedException {
        Path image = dir.resolve("disk.img");
        mount = Files.createDirectory(dir.resolve("disk"));
        try (FileChannel c = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.position((16L << 20) - 1).write(ByteBuffer.wrap(new byte[] {0}));
        }
        assumeTrue(run("mkfs.ext4", "-q", "-F", image.toString()) && run("mount", "-o", "loop", image.toString(), mount.toString()),
                "needs root, mkfs.ext4 and a loop device");
    }

    void freeze() throws IOException, InterruptedException {
        assumeTrue(run("fsfreeze", "-f", mount.toString()), "needs fsfreeze");
    }

    void thaw() throws IOException, InterruptedException {
        run("fsfreeze", "-u", mount.toString());
    }

    @Override
    public void close() throws IOException, InterruptedException {
        thaw();
        run("umount", "-l", mount.toString());
    }

    static boolean run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor() == 0;
    }
}
