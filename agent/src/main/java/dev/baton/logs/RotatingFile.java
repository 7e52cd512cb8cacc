package dev.baton.logs;

import dev.baton.config.TrustedPaths;
import dev.baton.process.os.Os;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A log file that rotates, at a line boundary, before it would grow past {@code maxBytes}:
 * {@code file} becomes {@code file.1}, {@code file.1} becomes {@code file.2} ... up to
 * {@code file.N}. New files are created with mode 0640, parent directories as needed (0755 at most). A line longer
 * than {@code maxBytes} gets a file of its own. Used by one thread.
 *
 * <p>Others may rotate the file too: before each write it checks that the path still names the
 * file it has open, and opens the one now there (or creates it) when logrotate renamed it or a
 * cleanup script removed it, with the file or its directory; the size is the open file's, so
 * logrotate's copytruncate does not make it rotate early.
 *
 * <p>A root agent follows a symbolic link at the path only when root owns it, the rule the
 * config's trust check applies when it is loaded ({@code TrustedPaths}): a link someone else
 * planted later, while the file was rotated or reopened, is refused (the lines are counted lost),
 * never written through as root.
 */
final class RotatingFile implements AutoCloseable {
    private static final Set<OpenOption> APPEND =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    private static final Set<OpenOption> APPEND_NO_LINK =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
    private static final FileAttribute<?> NEW_FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));

    private static final int S_IFMT = 0170000, S_IFIFO = 0010000, S_IFSOCK = 0140000;

    private final Path path;
    private final long maxBytes;
    private final int backups;
    private FileChannel channel;
    /** The open file's identity (device and inode), to tell when the path names another file. */
    private Object fileKey;
    private long size;

    RotatingFile(Path path, long maxBytes, int backups) {
        this.path = path;
        this.maxBytes = maxBytes;
        this.backups = Math.max(0, backups);
    }

    boolean sameAs(Path otherPath, long otherMaxBytes, int otherBackups) {
        return path.equals(otherPath) && maxBytes == otherMaxBytes && backups == Math.max(0, otherBackups);
    }

    /** Writes whole lines ({@code bytes} holds complete lines, each ending with '\n'). */
    void write(ByteBuffer bytes) throws IOException {
        if (channel != null && !isAtPath()) {
            close(); // renamed or removed by someone else: the lines go to the file at the path
        }
        open();
        size = channel.size(); // a copytruncate emptied it: it has room again
        while (bytes.hasRemaining()) {
            long room = maxBytes - size;
            if (maxBytes <= 0 || bytes.remaining() <= room) {
                writeFully(bytes, bytes.limit());
            } else {
                int end = lastLineEndWithin(bytes, room);
                if (end < 0 && size == 0) {
                    end = firstLineEnd(bytes); // longer than maxBytes: alone in its file
                }
                if (end >= 0) {
                    writeFully(bytes, end);
                }
                rotate();
            }
        }
    }

    /** The buffer index just past the last '\n' within the first {@code room} bytes of {@code bytes}, or -1. */
    static int lastLineEndWithin(ByteBuffer bytes, long room) {
        byte[] a = bytes.array();
        int from = bytes.arrayOffset() + bytes.position();
        for (int i = from + (int) Math.min(room, bytes.remaining()) - 1; i >= from; i--) {
            if (a[i] == '\n') {
                return i + 1 - bytes.arrayOffset();
            }
        }
        return -1;
    }

    /** The buffer index just past the first '\n' of {@code bytes}, or its limit. */
    static int firstLineEnd(ByteBuffer bytes) {
        int from = bytes.arrayOffset() + bytes.position();
        int nl = Bytes.indexOfNewline(bytes.array(), from, bytes.arrayOffset() + bytes.limit());
        return nl < 0 ? bytes.limit() : nl + 1 - bytes.arrayOffset();
    }

    private void writeFully(ByteBuffer bytes, int end) throws IOException {
        int limit = bytes.limit();
        bytes.limit(end);
        while (bytes.hasRemaining()) {
            size += channel.write(bytes);
        }
        bytes.limit(limit);
    }

    private void open() throws IOException {
        if (channel != null) {
            return;
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            TrustedPaths.createDirectories(parent);
        }
        refuseFifoOrSocket();
        // Appends to an existing log, or creates it (through a link it may follow, where that leads)
        channel = FileChannel.open(path, mayFollowLinkAtPath() ? APPEND : APPEND_NO_LINK, NEW_FILE_MODE);
        fileKey = fileKeyAtPath();
        size = channel.size();
        if (size > 0 && !endsWithNewline()) {
            // a line a failed write (disk full) left half written: the next line starts on its own
            writeFully(ByteBuffer.wrap(new byte[] {'\n'}), 1);
        }
    }

    /**
     * A FIFO (or a socket) at the path is not written: opening a FIFO waits for a reader, and writing
     * it waits for the reader to read, on the one thread that writes every program's log file and
     * feeds every follower (baton tail -f, the API's streams). One FIFO whose reader is gone or
     * stopped left every other program's log file unwritten and every follower silent, for good.
     */
    private void refuseFifoOrSocket() throws IOException {
        int type;
        try {
            type = (Integer) Files.getAttribute(path, "unix:mode") & S_IFMT;
        } catch (NoSuchFileException e) {
            return; // created as a regular file
        }
        if (type == S_IFIFO || type == S_IFSOCK) {
            throw new IOException("it is a " + (type == S_IFIFO ? "FIFO" : "socket") + ", not a file: baton writes log "
                    + "files only (a reader that stops would hold every program's log file)");
        }
    }

    /**
     * Whether the path is a symbolic link to follow (a file, or none: no link): root's own, or any
     * for an agent that is not root (it writes nothing its user could not write anyway).
     */
    private boolean mayFollowLinkAtPath() throws IOException {
        if (!Files.isSymbolicLink(path)) {
            return false;
        }
        return !Os.isRoot() || (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) == 0;
    }

    /** Whether the path still names the open file. */
    private boolean isAtPath() throws IOException {
        try {
            return fileKey != null && fileKey.equals(fileKeyAtPath());
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private Object fileKeyAtPath() throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    private boolean endsWithNewline() throws IOException {
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            return in.read(last, size - 1) != 1 || last.get(0) == '\n';
        }
    }

    private void rotate() throws IOException {
        close();
        if (backups == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.deleteIfExists(numbered(backups));
            for (int i = backups - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try {
                Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
            } catch (NoSuchFileException e) {
                // removed since the last write (a cleanup script): nothing to keep, as supervisord
            }
        }
        open();
    }

    private Path numbered(int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            FileChannel c = channel;
            channel = null;
            c.close();
        }
    }
}
