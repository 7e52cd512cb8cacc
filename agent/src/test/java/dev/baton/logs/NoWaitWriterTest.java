package dev.baton.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader's own stdout writes: never wait, never touch the fd's flags, keep every byte in order. */
class NoWaitWriterTest {
    private static final int F_GETFL = 3;

    @Test
    void aFullBlockingPipeTakesWhatFitsAndThenNothingWithoutWaiting() throws IOException {
        int[] fds = LinuxIo.pipe(0); // both ends blocking, as a shared stdout would be
        try (InputStream in = new FileInputStream("/proc/self/fd/" + fds[0])) {
            int size = LinuxIo.pipeSize(fds[1]);
            NoWaitWriter w = NoWaitWriter.to(fds[1]);
            byte[] bytes = new byte[128 * 1024];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) i;
            }
            int written = 0;
            for (int n; (n = w.write(bytes, written % 1000, 1000)) > 0; ) { // a blocking write would hang here
                written += n;
            }
            assertTrue(w.usable());
            assertTrue(written > size - 4096 && written <= size, "the pipe took what fit: " + written);
            assertEquals(0, LinuxIo.C.fcntl(fds[1], F_GETFL, 0) & LinuxIo.O_NONBLOCK, "the fd stays blocking");

            // a page of room again: a partial write, the rest refused, the bytes in order
            assertEquals(4096, readFully(in, 4096).length);
            int partial = w.write(bytes, 7, 5000);
            assertEquals(4096, partial);
            assertEquals(0, w.write(bytes, 7 + partial, 5000 - partial));
            byte[] all = readFully(in, written);
            assertTrue(Arrays.equals(bytes, 7, 7 + partial, all, written - partial, written));
            w.close();
        } finally {
            LinuxIo.close(fds[1]);
            LinuxIo.close(fds[0]);
        }
    }

    @Test
    void aFullSocketTakesWhatFitsWithoutWaitingAndStaysBlocking() {
        int[] fds = new int[2];
        assertEquals(0, LinuxIo.C.socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, fds)); // journald's stream is one
        try {
            NoWaitWriter w = NoWaitWriter.to(fds[1]);
            byte[] bytes = new byte[64 * 1024];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 7);
            }
            long written = 0;
            for (int n; (n = w.write(bytes, 3, 50_000)) > 0; ) { // a blocking send would hang once the socket is full
                written += n;
            }
            assertTrue(w.usable() && written >= 50_000, "written " + written);
            assertEquals(0, LinuxIo.C.fcntl(fds[1], F_GETFL, 0) & LinuxIo.O_NONBLOCK, "the socket stays blocking");
            byte[] first = new byte[50_000];
            for (int got = 0; got < first.length; ) { // the bytes are there: these reads do not wait
                byte[] chunk = new byte[first.length - got];
                long n = LinuxIo.C.read(fds[0], chunk, chunk.length);
                assertTrue(n > 0);
                System.arraycopy(chunk, 0, first, got, (int) n);
                got += (int) n;
            }
            assertTrue(Arrays.equals(bytes, 3, 50_003, first, 0, 50_000));
            w.close();
        } finally {
            LinuxIo.close(fds[0]);
            LinuxIo.close(fds[1]);
        }
    }

    @Test
    void aClosedReaderTurnsTheWriterOff() {
        int[] fds = LinuxIo.pipe(0);
        NoWaitWriter w = NoWaitWriter.to(fds[1]);
        LinuxIo.close(fds[0]);
        try {
            assertEquals(0, w.write(new byte[] {'x', '\n'}, 0, 2)); // EPIPE: the writer thread's path reports it
            assertFalse(w.usable());
            assertEquals(0, w.write(new byte[] {'x', '\n'}, 0, 2));
        } finally {
            w.close();
            LinuxIo.close(fds[1]);
        }
    }

    @Test
    void aFileGetsNoWriter(@TempDir Path dir) throws IOException {
        Path out = Files.writeString(dir.resolve("out"), "");
        int fd = LinuxIo.C.open(out.toString(), LinuxIo.O_WRONLY | LinuxIo.O_CLOEXEC);
        try {
            assertNull(NoWaitWriter.to(fd)); // a file's writes would wait for the disk: the writer thread's
        } finally {
            LinuxIo.close(fd);
        }
    }

    /** n bytes from a pipe (FileInputStream.readNBytes seeks, which a pipe refuses on Java 17). */
    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] out = new byte[n];
        for (int got = 0, k; got < n; got += k) {
            k = in.read(out, got, n - got);
            if (k < 0) {
                throw new IOException("EOF after " + got + " bytes");
            }
        }
        return out;
    }
}
