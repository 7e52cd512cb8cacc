package dev.baton.agent.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /** A state type that can tell a well-formed file with unusable content (a field missing, a null entry). */
    public interface Checked {
        /** Why this content cannot be used, or null when it can. */
        String invalidBecause();
    }

    /** Writes a state as JSON with the streaming API (databind's serializers are the fallback). */
    @FunctionalInterface
    public interface Serializer<T> {
        void write(JsonGenerator g, T value) throws IOException;
    }

    /** The bytes of the last save, kept for the next one (a state file is saved on one thread at a time). */
    private static final class Output extends ByteArrayOutputStream {
        ByteBuffer contents() {
            return ByteBuffer.wrap(buf, 0, count);
        }
    }

    /** rw-r-----, given at creation (a chmod afterwards would follow a link swapped in meanwhile). */
    private static final FileAttribute<?> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));
    /** A state file larger than this is no state file of baton's (handover.json is ~300 KB with 10 groups). */
    public static final long MAX_BYTES = 32L * 1024 * 1024;

    private final Path file;
    private final Path lastGood;
    private final Class<T> type;
    private final Serializer<T> serializer;
    private final Output output = new Output();
    private volatile String problem;
    /** Set when the file or its last good copy existed but neither could be used: the state is lost. */
    private volatile String lost;
    /** The bytes of the damaged copies that could be read at all, for what can still be salvaged from them. */
    private final List<byte[]> damaged = new ArrayList<>();

    public StateFile(Path dir, String name, Class<T> type) {
        this(dir, name, type, null);
    }

    /** @param serializer how to write the state, or null for databind */
    public StateFile(Path dir, String name, Class<T> type, Serializer<T> serializer) {
        this.file = dir.resolve(name);
        this.lastGood = dir.resolve(name + ".last-good");
        this.type = type;
        this.serializer = serializer;
    }

    public Path path() {
        return file;
    }

    /** The last load or save problem in plain words, or null when all is well. */
    public String problem() {
        return problem;
    }

    /**
     * Why the state is lost (the file or its last good copy existed, and neither could be used), or
     * null: the content {@link #load()} gave is the last good state, or there never was one.
     */
    public String lost() {
        return lost;
    }

    /** The damaged copies {@link #load()} met (readable bytes, not parseable), for a salvage. */
    public List<byte[]> damagedCopies() {
        return List.copyOf(damaged);
    }

    /** Reads the file; on corruption moves it aside and falls back to the last good copy. */
    public Optional<T> load() {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return readLastGood(false);
        }
        try {
            byte[] bytes = readBounded(file);
            damaged.add(bytes); // until it parses
            T value = JSON.readValue(bytes, type);
            if (value == null) {
                throw new IOException("empty file");
            }
            if (value instanceof Checked c && c.invalidBecause() != null) {
                throw new IOException(c.invalidBecause());
            }
            try {
                writeAtomically(lastGood, ByteBuffer.wrap(bytes), false);
            } catch (IOException copyFailed) {
                log.warn("state: cannot refresh {}: {}", lastGood, copyFailed.toString());
            }
            damaged.clear();
            return Optional.of(value);
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + Instant.now().toEpochMilli());
            problem = file + " is unreadable (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "); moved to "
                    + aside.getFileName() + ", using the last good copy";
            log.error("state: {}", problem);
            try {
                Files.move(file, aside);
            } catch (IOException moveFailed) {
                log.error("state: cannot move {} aside: {}", file, moveFailed.toString());
            }
            return readLastGood(true);
        }
    }

    /**
     * The file's bytes, checked first without following a link or opening it: a FIFO would block
     * the read (and the agent's start) forever, a huge file would fill the heap.
     */
    public static byte[] readBounded(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:size,isRegularFile", LinkOption.NOFOLLOW_LINKS);
        if (!(Boolean) a.get("isRegularFile")) {
            throw new IOException("not a regular file (a FIFO, a device, a directory or a link)");
        }
        if ((Long) a.get("size") > MAX_BYTES) {
            throw new IOException(a.get("size") + " bytes, more than any state file of baton's (" + MAX_BYTES + ")");
        }
        return Files.readAllBytes(p);
    }

    /** @param fileDamaged the file itself existed and was unusable: no last good copy means the state is lost */
    private Optional<T> readLastGood(boolean fileDamaged) {
        if (!Files.exists(lastGood, LinkOption.NOFOLLOW_LINKS)) {
            if (fileDamaged) {
                lose("there is no last good copy " + lastGood.getFileName());
            }
            return Optional.empty();
        }
        try {
            byte[] bytes = readBounded(lastGood);
            damaged.add(bytes);
            T value = JSON.readValue(bytes, type);
            if (value instanceof Checked c && c.invalidBecause() != null) {
                throw new IOException(c.invalidBecause());
            }
            if (value != null) {
                damaged.clear();
            } else if (fileDamaged) {
                lose("the last good copy " + lastGood.getFileName() + " is empty");
            }
            return Optional.ofNullable(value);
        } catch (IOException | RuntimeException e) {
            log.error("state: the last good copy {} is unreadable too: {}", lastGood, e.getMessage());
            lose("the last good copy " + lastGood.getFileName() + " is unreadable too ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
            return Optional.empty();
        }
    }

    private void lose(String why) {
        lost = file.getFileName() + " is damaged and " + why + ": the state it held is lost";
    }

    /**
     * Writes atomically. {@code durable} adds an fsync of the file and its directory: needed for
     * what must survive a power loss (an operator's stop), not for what a power loss makes moot
     * (the pids of processes that die with the host).
     *
     * @return false when the write failed (disk full, read-only): the caller keeps supervising
     */
    public boolean save(T value, boolean durable) {
        Path target = file;
        try {
            ByteBuffer bytes = serialize(value);
            writeAtomically(file, bytes.duplicate(), durable);
            // The copy a damaged file falls back to follows every good write, so a file damaged
            // later loses nothing that was written (not only what was there at the last start).
            target = lastGood;
            writeAtomically(lastGood, bytes, durable);
            if (problem != null) {
                log.info("state: {} written again", file);
                problem = null;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            String p = "cannot write " + target + ": " + e;
            if (!p.equals(problem)) {
                log.error("state: {} (supervision goes on; the file keeps its previous content)", p);
            }
            problem = p;
            return false;
        }
    }

    /** The JSON of {@code value}, in a buffer that is valid until the next save. */
    private ByteBuffer serialize(T value) throws IOException {
        output.reset();
        if (serializer == null) {
            JSON.writerWithDefaultPrettyPrinter().writeValue(output, value);
        } else {
            try (JsonGenerator g = JSON.getFactory().createGenerator(output)) {
                serializer.write(g, value);
            }
        }
        return output.contents();
    }

    /**
     * Temp file, optional fsync, rename over {@code target}; the temp file is removed on failure.
     * The temp file is made anew (O_CREAT|O_EXCL, never through a symbolic link) with its final
     * mode: whatever sits at its name, a leftover of a crash or a planted link, is removed first,
     * so a write of the root agent cannot be redirected to another file.
     */
    public static void writeAtomically(Path target, ByteBuffer buf, boolean durable) throws IOException {
        writeAtomically(target, buf, durable, FILE_MODE);
    }

    /** {@link #writeAtomically(Path, ByteBuffer, boolean)} with another mode (a secret: rw-------). */
    public static void writeAtomically(Path target, ByteBuffer buf, boolean durable, FileAttribute<?> mode) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp); // a link itself, never its target
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), mode)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do on a full or read-only disk
            }
            throw e;
        }
        if (durable) {
            fsyncDirectory(target.getParent());
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
