package dev.baton.agent.state;

import dev.baton.config.ConfigFilePermissions;
import dev.baton.config.TrustedPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The agent's state directory: created with mode 0750, or checked (owned by the agent's user,
 * writable by nobody else, nothing in it planted by someone else: a symbolic link or another
 * user's file would let a root agent be steered into overwriting any file, or use a token or state
 * it did not write); locked so that two agents never supervise from the same state (which would
 * run every program twice); carrying the agent's stable id (the {@code BATON_AGENT} tag of every
 * process it spawns).
 */
public final class StateDirectory implements AutoCloseable {
    /** Files baton creates in the state directory: rw-r----- like the state files. */
    private static final java.nio.file.attribute.FileAttribute<?> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));
    static final String ID_FILE = "agent.id";
    /** An id is 16 hex digits and a newline; more than this is no id (and never read whole). */
    private static final int MAX_ID_BYTES = 64;

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

    /** @throws IOException with a message for the operator when the directory is unusable, untrusted or locked */
    public static StateDirectory open(Path dir) throws IOException {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        } catch (IOException e) {
            throw new IOException("cannot create the state directory " + dir + ": " + e.getMessage()
                    + " (set [agent] state_dir to a writable directory)", e);
        }
        checkTrusted(dir, ConfigFilePermissions.effectiveUid());
        FileChannel ch = FileChannel.open(dir.resolve("agent.lock"), java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), FILE_MODE);
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
        try {
            return new StateDirectory(dir, ch, lock, readOrCreateId(dir.resolve(ID_FILE)));
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
    }

    /**
     * Refuses a directory someone other than the agent's user could change, and anything in it
     * that such a someone left (at a time the directory was open to them).
     */
    static void checkTrusted(Path dir, int euid) throws IOException {
        if (euid < 0) {
            return; // not Linux: nothing to compare with
        }
        String why = null;
        if (euid == 0) {
            TrustedPaths.Finding f = TrustedPaths.whyUntrusted(dir, true);
            why = f == null ? null : f + "; fix: " + f.fix();
        } else {
            why = notOwnedOrWritableByOthers(dir, euid, true);
        }
        if (why != null) {
            throw new IOException("the state directory " + dir + " cannot be trusted: " + why + ". Whoever can change it"
                    + " could decide which programs run and what the agent overwrites; the agent does not start.");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().equals("lost+found")) {
                    continue; // the state directory is the root of its own file system
                }
                String bad = notOwnedOrWritableByOthers(entry, euid, false);
                if (bad != null) {
                    throw new IOException("the state directory " + dir + " holds " + entry.getFileName() + ", which "
                            + bad + ": the agent did not write it and will not use it. Remove it (rm " + entry
                            + ") once you know how it got there; the agent does not start.");
                }
            }
        }
    }

    /** Why this entry is not the agent's own, or null. {@code writable}: also refuse a mode others can write. */
    private static String notOwnedOrWritableByOthers(Path p, int euid, boolean writable) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode,isSymbolicLink", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) a.get("uid");
        int mode = (Integer) a.get("mode");
        if ((Boolean) a.get("isSymbolicLink")) {
            return "is a symbolic link";
        }
        if (uid != euid) {
            return "is owned by uid " + uid + ", not the agent's uid " + euid + " (chown " + euid + " " + p + ")";
        }
        if (writable && (mode & 0022) != 0) {
            return "is writable by group or others (mode " + String.format("%04o", mode & 07777) + "; chmod go-w " + p + ")";
        }
        return null;
    }

    /**
     * The id in {@code agent.id}, or a new one when there is none yet. An empty file is "none
     * yet": the id is written before anything is spawned, so only a first start that crashed
     * leaves it empty. Anything else that is not an id is refused, because the id is how the next
     * start finds the processes this agent left behind: a new one would miss them.
     */
    private static String readOrCreateId(Path file) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(file, "unix:size,isRegularFile", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            a = null;
        }
        if (a != null && ((Long) a.get("size") > 0 || !(Boolean) a.get("isRegularFile"))) {
            String id = !(Boolean) a.get("isRegularFile") ? null : (Long) a.get("size") > MAX_ID_BYTES ? null
                    : new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).trim();
            if (id != null && id.matches("[0-9a-f]{16}")) {
                return id;
            }
            throw new IOException(file + " does not hold an agent id (16 hex digits; found " + describe(file, a, id)
                    + "). The id names the processes this agent started (BATON_AGENT=...), so a new one would miss "
                    + "those a previous run left behind. Make sure no program of a previous run is still running, then "
                    + "remove the file (rm " + file + "); the agent makes a new id.");
        }
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        StateFile.writeAtomically(file, ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII)), true);
        return id;
    }

    private static String describe(Path file, Map<String, Object> a, String text) {
        if (!(Boolean) a.get("isRegularFile")) {
            return "no regular file";
        }
        if (text == null) {
            return a.get("size") + " bytes";
        }
        String shown = text.length() > 20 ? text.substring(0, 20) + "..." : text;
        StringBuilder sb = new StringBuilder("\"");
        shown.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c)));
        return sb.append('"').toString();
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
