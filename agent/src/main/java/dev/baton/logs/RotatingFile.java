package dev.baton.logs;

import dev.baton.config.TrustedPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A log file that rotates, at a line boundary, before it would grow past {@code maxBytes}:
 * {@code file} becomes {@code file.1}, {@code file.1} becomes {@code file.2} ... up to
 * {@code file.N}. New files are created with mode 0640, parent directories as needed (0755 at most). A line longer
 * than {@code maxBytes} gets a file of its own. Used by one thread.
 */
final class RotatingFile implements AutoCloseable {
    private final Path path;
    private final long maxBytes;
    private final int backups;
    private FileChannel channel;
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
        open();
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
        try {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        } catch (FileAlreadyExistsException e) {
            // appending to an existing log
        }
        channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
        if (size > 0 && !endsWithNewline()) {
            // a line a failed write (disk full) left half written: the next line starts on its own
            writeFully(ByteBuffer.wrap(new byte[] {'\n'}), 1);
        }
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
            Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
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
