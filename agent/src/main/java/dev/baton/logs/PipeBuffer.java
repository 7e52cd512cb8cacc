package dev.baton.logs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enlarges the kernel buffer of the pipes the reader drains (default 64 KiB) to 1 MiB, or to
 * {@code /proc/sys/fs/pipe-max-size} when that is lower: a program's burst then fits in the pipe
 * instead of blocking the program while the one reader thread is busy, and each read takes more
 * lines at once. The pages are kernel memory, allocated only while filled, not the agent's heap.
 * When the kernel refuses (an unprivileged user over {@code pipe-user-pages-soft}, or not a pipe),
 * the pipe keeps its size: said once, at debug.
 */
final class PipeBuffer {
    static final int WANTED = 1 << 20;
    private static final Path MAX_SIZE = Path.of("/proc/sys/fs/pipe-max-size");
    private static final Logger LOG = LoggerFactory.getLogger(PipeBuffer.class);

    private final int wanted;
    private boolean refusalLogged;

    PipeBuffer() {
        this(Math.min(WANTED, maxSize()));
    }

    PipeBuffer(int wanted) {
        this.wanted = wanted;
    }

    int wanted() {
        return wanted;
    }

    /** Tries to give {@code fd}'s pipe the wanted buffer; returns its size afterwards (-1: not a pipe). */
    int enlarge(int fd) {
        if (LinuxIo.setPipeSize(fd, wanted) < 0 && !refusalLogged) {
            refusalLogged = true;
            LOG.debug("pipe buffers stay at their default size: F_SETPIPE_SZ {} refused (errno {})", wanted, LinuxIo.errno());
        }
        return LinuxIo.pipeSize(fd);
    }

    private static int maxSize() {
        try {
            return Integer.parseInt(Files.readAllLines(MAX_SIZE).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return WANTED;
        }
    }
}
