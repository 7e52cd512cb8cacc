package dev.baton.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.Charset;
import java.util.concurrent.atomic.AtomicInteger;

/** An output into memory standing for a file; with {@link #room} set, one on a disk that fills up. */
final class ByteArrayChannel implements WritableByteChannel {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** The bytes it still takes before every write fails as on a full disk (-1: no limit). */
    final AtomicInteger room = new AtomicInteger(-1);

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        int left = room.get();
        if (left == 0) {
            throw new IOException("No space left on device");
        }
        int n = left < 0 ? src.remaining() : Math.min(left, src.remaining());
        room.set(left < 0 ? -1 : left - n);
        bytes.write(src.array(), src.arrayOffset() + src.position(), n);
        src.position(src.position() + n);
        return n;
    }

    /** What was written so far. */
    synchronized String text(Charset charset) {
        return bytes.toString(charset);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
