package dev.baton.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON state file in the state directory, written atomically (temp file, optional fsync,
 * rename) so a crash at any moment leaves either the old or the new content. A copy of the last
 * content that loaded cleanly is kept beside it: a truncated or corrupted file (disk trouble,
 * an operator's editor) falls back to it instead of losing everything.
 */
public final class StateFile<T> {
    private static final Logger log = LoggerFactory.getLogger(StateFile.class);
    public static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .findAndAddModules()
            .build();

    private final Path file;
    private final Path lastGood;
    private final Class<T> type;
    private volatile String problem;

    public StateFile(Path dir, String name, Class<T> type) {
        this.file = dir.resolve(name);
        this.lastGood = dir.resolve(name + ".last-good");
        this.type = type;
    }

    public Path path() {
        return file;
    }

    /** The last load or save problem in plain words, or null when all is well. */
    public String problem() {
        return problem;
    }

    /** Reads the file; on corruption moves it aside and falls back to the last good copy. */
    public Optional<T> load() {
        if (!Files.exists(file)) {
            return readLastGood();
        }
        try {
            T value = JSON.readValue(file.toFile(), type);
            if (value == null) {
                throw new IOException("empty file");
            }
            Files.copy(file, lastGood, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(value);
        } catch (IOException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + Instant.now().toEpochMilli());
            problem = file + " is unreadable (" + e.getMessage().lines().findFirst().orElse("") + "); moved to "
                    + aside.getFileName() + ", using the last good copy";
            log.error("state: {}", problem);
            try {
                Files.move(file, aside);
            } catch (IOException moveFailed) {
                log.error("state: cannot move {} aside: {}", file, moveFailed.toString());
            }
            return readLastGood();
        }
    }

    private Optional<T> readLastGood() {
        if (!Files.exists(lastGood)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readValue(lastGood.toFile(), type));
        } catch (IOException e) {
            log.error("state: the last good copy {} is unreadable too: {}", lastGood, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Writes atomically. {@code durable} adds an fsync of the file and its directory: needed for
     * what must survive a power loss (an operator's stop), not for what a power loss makes moot
     * (the pids of processes that die with the host).
     *
     * @return false when the write failed (disk full, read-only): the caller keeps supervising
     */
    public boolean save(T value, boolean durable) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                if (durable) {
                    ch.force(true);
                }
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            if (durable) {
                fsyncDirectory(file.getParent());
            }
            if (problem != null) {
                log.info("state: {} written again", file);
                problem = null;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            String p = "cannot write " + file + ": " + e;
            if (!p.equals(problem)) {
                log.error("state: {} (supervision goes on; the file keeps its previous content)", p);
            }
            problem = p;
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do on a full or read-only disk
            }
            return false;
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse to open directories for fsync; the rename is still atomic.
        }
    }
}
