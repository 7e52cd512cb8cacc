package dev.baton.logs;

/** One pipe read end being read: its fd, its stream, its framer and where its lines go. */
final class AttachedPipe implements LineFramer.Lines {
    final int fd;
    private final StreamKind stream;
    private final ProgramLog log;
    private final LineFramer framer;
    /** Run once the pipe ended and its last line was handed on. */
    private final Runnable ended;
    /** The time of the current read, shared by all lines of that read. */
    private long now;
    /** Left by the previous agent (exec in place), taken up on the reader thread before the first read. */
    private PendingLine handedOver;

    /**
     * @param findControls its lines' control characters get escaped (see {@link LineFramer})
     * @param handedOver   what the agent before an exec in place had read of a line not ended yet (null: none)
     */
    AttachedPipe(int fd, StreamKind stream, ProgramLog log, int maxLineBytes, boolean findControls, Runnable ended,
            PendingLine handedOver) {
        this.fd = fd;
        this.ended = ended;
        this.stream = stream;
        this.log = log;
        this.framer = new LineFramer(maxLineBytes, findControls);
        this.handedOver = handedOver;
    }

    /** Reader thread: hands on a partial line now, as a line, if it is longer than {@code max} bytes. */
    void flushPartialLongerThan(int max, long timeMillis) {
        if (framer.carried() > max) {
            flushPartial(timeMillis);
        }
    }

    /** Reader thread, paused: what its framer holds of a line not ended yet (null: nothing). */
    PendingLine pending() {
        return framer.pending();
    }

    private void takeUpHandedOver() {
        if (handedOver != null) {
            framer.resumeWith(handedOver, this);
            handedOver = null;
        }
    }

    void feed(byte[] buf, int len, long timeMillis) {
        now = timeMillis;
        log.beginRead(buf, len);
        try {
            takeUpHandedOver();
            framer.feed(buf, 0, len, this);
        } finally {
            log.endRead();
        }
    }

    void finish(long timeMillis) {
        try {
            flushPartial(timeMillis);
        } finally {
            ended.run();
        }
    }

    /** Whose pipe this is: "program/STDOUT" or "program/STDERR". */
    String owner() {
        return log.name() + "/" + stream;
    }

    /** A partial line handed on as a line now (the pipe goes on); nothing is left buffered. */
    void flushPartial(long timeMillis) {
        now = timeMillis;
        log.beginRead(null, 0);
        try {
            takeUpHandedOver();
            framer.finish(this);
        } finally {
            log.endRead();
        }
    }

    @Override
    public void line(byte[] buf, int off, int len, int shownLen) {
        line(buf, off, len, shownLen, false);
    }

    @Override
    public void line(byte[] buf, int off, int len, int shownLen, boolean clean) {
        log.line(stream, now, buf, off, len, shownLen, clean);
    }

    @Override
    public void lines(byte[] buf, int off, int[] ends, int count, boolean clean) {
        log.lines(stream, now, buf, off, ends, count, clean);
    }
}
