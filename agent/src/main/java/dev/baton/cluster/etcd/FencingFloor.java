package dev.baton.cluster.etcd;

import dev.baton.cluster.ClusterException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The highest fencing token this host has held or seen for one lock, kept in the state directory
 * ({@code fencing-floor.<lock>}, one decimal number) and fsync'ed before it counts. etcd's token
 * counter can be lost with etcd's data (a wiped or restored data dir); this floor cannot, so every
 * host raises the counter back to at least its floor, computes its next token above it, and refuses
 * to run under a token below it.
 *
 * <p>Written only on the cluster thread; {@link #value} may be read from any thread. An fsync there is
 * a few milliseconds and happens only when a new tenure is seen or taken, well inside the fence margin.
 */
final class FencingFloor {
    private final Path file;
    private volatile long value;

    private FencingFloor(Path file, long value) {
        this.file = file;
        this.value = value;
    }

    /**
     * Reads the floor of {@code lock} from {@code stateDir} (0 when there is none yet).
     *
     * @throws ClusterException when the file exists but is unreadable or not a number: starting with a
     *                          floor of 0 instead could hand out a token that went backwards
     */
    static FencingFloor open(Path stateDir, String lock) {
        Path file = stateDir.resolve("fencing-floor." + lock);
        if (!Files.exists(file)) {
            return new FencingFloor(file, 0);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new ClusterException(file + ": cannot read the fencing-token floor: " + e.getMessage()
                    + " (fix its permissions; it must stay readable by the agent)", e);
        }
        try {
            long floor = Long.parseLong(text);
            if (floor < 0) {
                throw new NumberFormatException();
            }
            return new FencingFloor(file, floor);
        } catch (NumberFormatException e) {
            throw new ClusterException(file + ": line 1: \"" + text + "\" is not a fencing token (a number >= 0);"
                    + " write the highest BATON_FENCING_TOKEN this host's program ever ran with (or a larger"
                    + " number), never a smaller one");
        }
    }

    long value() {
        return value;
    }

    Path file() {
        return file;
    }

    /**
     * Raises the floor to {@code token} when that is higher, durably: the new value is on disk
     * (written to a temporary file, fsync'ed, renamed over the old one, directory fsync'ed) before
     * this returns. On the cluster thread.
     *
     * @return true when the floor rose
     * @throws UncheckedIOException when it cannot be written (the floor in memory is not raised then)
     */
    boolean raise(long token) {
        if (token <= value) {
            return false;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp); // left by a crash: created afresh with the state files' mode
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
                ch.write(StandardCharsets.US_ASCII.encode(token + "\n"));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true); // the rename itself survives a power cut
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fencing-token floor " + file + ": " + e.getMessage(), e);
        }
        value = token;
        return true;
    }
}
