package dev.baton.logs;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** A real pipe: the read end as a raw fd (for the pipeline), the write end as a Java stream. */
final class TestPipe {
    final int readFd;
    final OutputStream out;

    private TestPipe(int readFd, OutputStream out) {
        this.readFd = readFd;
        this.out = out;
    }

    static TestPipe open() {
        int[] fds = LinuxIo.pipe(0);
        try {
            // Reopening the write end through /proc gives a plain Java stream (its own fd)
            OutputStream out = new FileOutputStream("/proc/self/fd/" + fds[1]);
            return new TestPipe(fds[0], out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            LinuxIo.close(fds[1]);
        }
    }

    void write(byte[] bytes) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the write end: the reader then sees EOF. */
    void closeWriter() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
