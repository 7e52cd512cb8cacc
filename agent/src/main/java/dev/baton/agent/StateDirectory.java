package dev.baton.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The agent's state directory: created with mode 0750, locked so that two agents never
 * supervise from the same state (which would run every program twice), and carrying the
 * agent's stable id (the {@code BATON_AGENT} tag of every process it spawns).
 */
public final class StateDirectory implements AutoCloseable {
    /** Files baton creates in the state directory: rw-r----- like the state files. */
    private static final java.nio.file.attribute.FileAttribute<?> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final String agentId;

    private StateDirectory(Path dir, FileChannel lockChannel, FileLock lock, String agentId) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.agentId = agentId;
    }

    /** @throws IOException with a message for the operator when the directory is unusable or locked */
    public static StateDirectory open(Path dir) throws IOException {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        } catch (IOException e) {
            throw new IOException("cannot create the state directory " + dir + ": " + e.getMessage()
                    + " (set [agent] state_dir to a writable directory)", e);
        }
        FileChannel ch = FileChannel.open(dir.resolve("agent.lock"), java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), FILE_MODE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException("another baton agent is already running with the state directory " + dir
                    + " (stop it first, or give this one its own [agent] state_dir)");
        }
        return new StateDirectory(dir, ch, lock, readOrCreateId(dir.resolve("agent.id")));
    }

    private static String readOrCreateId(Path file) throws IOException {
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (id.matches("[0-9a-f]{16}")) {
                return id;
            }
        }
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        Files.deleteIfExists(file);
        Files.createFile(file, FILE_MODE);
        Files.writeString(file, id + "\n", StandardCharsets.US_ASCII);
        return id;
    }

    public Path path() {
        return dir;
    }

    public String agentId() {
        return agentId;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
