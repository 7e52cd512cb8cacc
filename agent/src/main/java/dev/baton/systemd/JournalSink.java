package dev.baton.systemd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import dev.baton.logs.Utf8;
import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * Sends program lines to journald with its native protocol (one datagram per line to
 * {@code /run/systemd/journal/socket}), so that each program is its own syslog identifier:
 * {@code journalctl -t engine-1.1 -f}. Fields: MESSAGE, SYSLOG_IDENTIFIER and BATON_PROGRAM (the
 * program's name), PRIORITY, BATON_STREAM (stdout or stderr).
 *
 * <p>PRIORITY comes from the line's JSON {@code "level"} (ERROR 3, WARN 4, INFO 6, DEBUG and
 * TRACE 7; also FATAL/CRITICAL 2, NOTICE 5). A plain line may start with a syslog prefix such as
 * {@code <4>} (as journald's own stdout handling accepts), which sets the priority and is removed.
 * Other plain lines get 6 (info) on stdout <em>and</em> stderr: that is what systemd gives a
 * program's stderr too, and many programs (Go's and Python's default loggers) write ordinary
 * lines to stderr; {@code BATON_STREAM=stderr} still lets operators select them.
 *
 * <p>Delivery follows the rule of the agent's other sinks: while journald's queue is full the
 * sender (the log reader) waits for room, in slices of {@link #WAIT_SLICE_MILLIS}, as long as
 * journald keeps taking lines, which holds the programs back through their pipes as a blocking
 * stdout would. Only when journald has taken nothing for the stall timeout are lines dropped and
 * counted ({@link #dropped()}), without waiting, until it takes one again; then one line per
 * program says how many of its lines were dropped and for how long. baton's own log files and
 * ring buffer still have them.
 */
public final class JournalSink implements AutoCloseable {
    public static final Path DEFAULT_SOCKET = Path.of("/run/systemd/journal/socket");
    static final int PRIORITY_PLAIN = 6;
    /** How long one blocking send waits for room before the stall clock is looked at again. */
    static final long WAIT_SLICE_MILLIS = 100;
    /**
     * The largest datagram sent: a line of the default max_line_bytes (64 KiB) and its fields fit. A
     * bigger one needs a bigger contiguous allocation in the kernel, which fails (ENOBUFS) as memory
     * fragments; systemd's own client passes those in a memfd instead.
     */
    static final int MAX_DATAGRAM = 128 * 1024;
    private static final byte[] CUT_MARKER = " [baton: line cut for journald]".getBytes(StandardCharsets.US_ASCII);

    private final byte[] sockaddr;
    private final UnixDatagramSocket socket;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastError;
    private final long stallNanos;
    /** The largest datagram sent: {@link #MAX_DATAGRAM}, or less when the socket's send buffer is smaller. */
    private final int maxDatagram;
    // Sender thread only (the log reader):
    private boolean stalled;
    private long stalledSinceNanos;
    private final Map<String, Long> droppedWhileStalled = new java.util.LinkedHashMap<>();

    private JournalSink(byte[] sockaddr, UnixDatagramSocket socket, Duration stall) {
        this.sockaddr = sockaddr;
        this.socket = socket;
        this.stallNanos = stall.toNanos();
        int socketMax = socket.maxDatagram();
        this.maxDatagram = socketMax > 0 ? Math.min(socketMax, MAX_DATAGRAM) : MAX_DATAGRAM;
    }

    /** A sink sending to journald's native socket (normally {@link #DEFAULT_SOCKET}), stall timeout 5 s. */
    public static JournalSink open(Path socket) throws IOException {
        return open(socket, Duration.ofSeconds(5));
    }

    /**
     * A sink sending to journald's native socket; lines are dropped only once journald has taken
     * nothing for {@code stall} ({@code [agent] log_stall_timeout}).
     *
     * @throws IOException when no journald takes datagrams at {@code socket} (the agent then keeps
     *         program lines on its stdout rather than send them nowhere)
     */
    public static JournalSink open(Path socket, Duration stall) throws IOException {
        UnixDatagramSocket.probe(socket.toString());
        byte[] sa = UnixDatagramSocket.sockaddr(socket.toString());
        UnixDatagramSocket s = UnixDatagramSocket.create(false); // blocking: sendWaiting may wait for room
        s.setSendBuffer(8 * 1024 * 1024);
        s.setSendTimeout(WAIT_SLICE_MILLIS);
        return new JournalSink(sa, s, stall);
    }

    /**
     * True when this process's stdout is the journal: {@code $JOURNAL_STREAM} ("device:inode",
     * set by systemd) names the same file as fd 1. A redirected stdout (a pipe, a file) no longer
     * matches, as sd_journal_stream_fd(3) recommends checking.
     */
    public static boolean stdoutIsJournal() {
        return stdoutIsJournal(System.getenv().get("JOURNAL_STREAM"));
    }

    static boolean stdoutIsJournal(String journalStream) {
        long[] devIno = parseJournalStream(journalStream);
        if (devIno == null) {
            return false;
        }
        try {
            POSIX posix = POSIXFactory.getNativePOSIX();
            FileStat st = posix.fstat(1);
            return st != null && st.dev() == devIno[0] && st.ino() == devIno[1];
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** {@code "dev:inode"} as two numbers, or null. */
    static long[] parseJournalStream(String value) {
        if (value == null) {
            return null;
        }
        int colon = value.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            return new long[] {Long.parseUnsignedLong(value.substring(0, colon).trim()),
                    Long.parseUnsignedLong(value.substring(colon + 1).trim())};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Sends one line of {@code program}'s output ({@code len} bytes at {@code off}; a trailing
     * newline is removed). Waits while journald's queue is full and journald keeps taking lines,
     * at most the stall timeout; never throws.
     *
     * @return true when journald took the line; false when it was dropped because journald stalled
     *         (counted in {@link #dropped()}) or refused for another reason ({@link #failed()})
     */
    public boolean send(String program, byte[] buf, int off, int len, boolean stderr) {
        if (len > 0 && buf[off + len - 1] == '\n') {
            len--;
        }
        if (len > 0 && buf[off + len - 1] == '\r') {
            len--;
        }
        int priority = -1;
        int prefix = syslogPrefixLength(buf, off, len);
        if (prefix > 0) {
            priority = buf[off + 1] - '0';
            off += prefix;
            len -= prefix;
        } else {
            priority = jsonLevelPriority(buf, off, len);
        }
        if (priority < 0) {
            priority = PRIORITY_PLAIN;
        }
        int errno;
        if (stalled && !reportDrops()) {
            errno = UnixDatagramSocket.EAGAIN; // still stalled: drop at once, no waiting per line
        } else {
            // A line longer than one datagram carries (max_line_bytes up to 16 MiB) is cut to fit,
            // not lost; the ring and the log file keep it whole
            for (int max = maxDatagram; ; max /= 2) {
                byte[] datagram = encodeWithin(program, priority, stderr, buf, off, len, max);
                errno = socket.sendTo(sockaddr, datagram, datagram.length);
                if (errno == UnixDatagramSocket.EAGAIN) {
                    errno = waitForRoom(datagram);
                }
                if ((errno != UnixDatagramSocket.EMSGSIZE && errno != UnixDatagramSocket.ENOBUFS) || max < 4096) {
                    break;
                }
                max = Math.min(max, datagram.length); // the estimate was too high: halve what was refused
            }
        }
        if (errno == 0) {
            sent.incrementAndGet();
            return true;
        }
        if (errno == UnixDatagramSocket.EAGAIN) {
            dropped.incrementAndGet();
            droppedWhileStalled.merge(program, 1L, Long::sum);
        } else {
            failed.incrementAndGet();
            lastError = UnixDatagramSocket.libc().strerror(errno) + " (errno " + errno + ")";
        }
        return false;
    }

    /**
     * Blocking sends of one slice each; EAGAIN once journald took nothing for the stall timeout
     * (this line is the only one in flight, so "nothing taken" is "this line not taken").
     */
    private int waitForRoom(byte[] datagram) {
        long since = System.nanoTime();
        while (true) {
            int errno = socket.sendWaiting(sockaddr, datagram, datagram.length);
            if (errno != UnixDatagramSocket.EAGAIN) {
                return errno;
            }
            long now = System.nanoTime();
            if (now - since >= stallNanos) {
                stalled = true;
                stalledSinceNanos = now;
                return errno;
            }
        }
    }

    /**
     * While stalled: one line per program saying how many of its lines were dropped and for how
     * long, sent before anything else once journald takes lines again.
     *
     * @return true when every such line went out (the stall is over)
     */
    private boolean reportDrops() {
        double seconds = (System.nanoTime() - stalledSinceNanos) / 1e9;
        var it = droppedWhileStalled.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            byte[] text = String.format(java.util.Locale.ROOT, "[baton] %d lines of %s dropped over %.1f s: journald "
                    + "was not taking lines", e.getValue(), e.getKey(), seconds).getBytes(StandardCharsets.UTF_8);
            byte[] d = encode(e.getKey(), 4, false, text, 0, text.length);
            if (socket.sendTo(sockaddr, d, d.length) == UnixDatagramSocket.EAGAIN) {
                return false;
            }
            it.remove();
        }
        stalled = false;
        return true;
    }

    /** Lines journald accepted. */
    public long sent() {
        return sent.get();
    }

    /** Lines dropped because journald's queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Lines that could not be sent for another reason (journald not running, too large...). */
    public long failed() {
        return failed.get();
    }

    public String lastError() {
        return lastError;
    }

    @Override
    public void close() {
        socket.close();
    }

    private static byte[] encode(String program, int priority, boolean stderr, byte[] message) {
        return encode(program, priority, stderr, message, 0, message.length);
    }

    /**
     * The datagram for one line, at most {@code max} bytes: a longer line is cut to fit (with the
     * marker) before it is copied, so that a line of up to 16 MiB costs one datagram on the heap.
     */
    private static byte[] encodeWithin(String program, int priority, boolean stderr, byte[] buf, int off, int len, int max) {
        if (len > max / 2) { // a long line (rare): does it fit with its other fields?
            int excess = encode(program, priority, stderr, buf, off, 0).length + len - max;
            if (excess > 0) {
                return encode(program, priority, stderr, cutToFit(buf, off, len, excess));
            }
        }
        return encode(program, priority, stderr, buf, off, len);
    }

    /** The first bytes of a line, {@code excess} bytes and the marker's length shorter, cut at a UTF-8 character's start, and the marker. */
    private static byte[] cutToFit(byte[] buf, int off, int len, int excess) {
        int keep = Utf8.characterStart(buf, off, Math.max(0, len - excess - CUT_MARKER.length - 16)); // 16: a binary field's length, and slack
        byte[] message = java.util.Arrays.copyOfRange(buf, off, off + keep + CUT_MARKER.length);
        System.arraycopy(CUT_MARKER, 0, message, keep, CUT_MARKER.length);
        return message;
    }

    /** The datagram for one line, in the native journal protocol. */
    static byte[] encode(String program, int priority, boolean stderr, byte[] buf, int off, int len) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 128);
        field(out, "MESSAGE", buf, off, len);
        byte[] p = program.getBytes(StandardCharsets.UTF_8);
        field(out, "SYSLOG_IDENTIFIER", p, 0, p.length);
        field(out, "BATON_PROGRAM", p, 0, p.length);
        byte[] prio = {(byte) ('0' + priority)};
        field(out, "PRIORITY", prio, 0, 1);
        byte[] stream = (stderr ? "stderr" : "stdout").getBytes(StandardCharsets.US_ASCII);
        field(out, "BATON_STREAM", stream, 0, stream.length);
        return out.toByteArray();
    }

    /**
     * {@code NAME=value\n}, or for a value containing a newline the binary-safe form
     * {@code NAME\n}, the value's length as 64-bit little-endian, the value, {@code \n}.
     */
    private static void field(ByteArrayOutputStream out, String name, byte[] v, int off, int len) {
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        boolean binary = false;
        for (int i = off; i < off + len; i++) {
            if (v[i] == '\n') {
                binary = true;
                break;
            }
        }
        if (binary) {
            out.write('\n');
            long l = len;
            for (int i = 0; i < 8; i++) {
                out.write((int) (l >>> (8 * i)) & 0xff);
            }
        } else {
            out.write('=');
        }
        out.write(v, off, len);
        out.write('\n');
    }

    /** Length of a leading {@code <N>} (N = 0..7), else 0. */
    static int syslogPrefixLength(byte[] b, int off, int len) {
        return len >= 3 && b[off] == '<' && b[off + 1] >= '0' && b[off + 1] <= '7' && b[off + 2] == '>' ? 3 : 0;
    }

    private static final Map<String, Integer> LEVELS = Map.ofEntries(
            Map.entry("EMERG", 0), Map.entry("EMERGENCY", 0), Map.entry("PANIC", 0), Map.entry("ALERT", 1),
            Map.entry("FATAL", 2), Map.entry("CRITICAL", 2), Map.entry("CRIT", 2),
            Map.entry("ERROR", 3), Map.entry("ERR", 3),
            Map.entry("WARN", 4), Map.entry("WARNING", 4),
            Map.entry("NOTICE", 5),
            Map.entry("INFO", 6),
            Map.entry("DEBUG", 7), Map.entry("TRACE", 7));

    private static final byte[] LEVEL_KEY = "\"level\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * The priority for a JSON line's top-level-looking {@code "level": "..."} (case-insensitive
     * value), or -1 when the line is not a JSON object or has no known level. A cheap scan, not a
     * parse: it takes the first {@code "level"} key of the line.
     */
    static int jsonLevelPriority(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        if (i >= end || b[i] != '{') {
            return -1;
        }
        outer:
        for (; i <= end - LEVEL_KEY.length; i++) {
            for (int k = 0; k < LEVEL_KEY.length; k++) {
                if (b[i + k] != LEVEL_KEY[k]) {
                    continue outer;
                }
            }
            int j = i + LEVEL_KEY.length;
            while (j < end && (b[j] == ' ' || b[j] == '\t')) {
                j++;
            }
            if (j >= end || b[j] != ':') {
                continue;
            }
            j++;
            while (j < end && (b[j] == ' ' || b[j] == '\t')) {
                j++;
            }
            if (j >= end || b[j] != '"') {
                return -1;
            }
            int start = ++j;
            while (j < end && b[j] != '"' && j - start <= 10) {
                j++;
            }
            if (j >= end || b[j] != '"') {
                return -1;
            }
            String level = new String(b, start, j - start, StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
            return LEVELS.getOrDefault(level, -1);
        }
        return -1;
    }
}
