package dev.baton.hardening;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Captures what an in-process agent logs (INFO and above), to check what it says and that nothing escaped. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    public static LogCapture install() {
        LogCapture c = new LogCapture();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        c.setContext(root.getLoggerContext());
        c.setName("hardening-capture");
        c.start();
        root.addAppender(c);
        return c;
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.INFO)) {
            e.prepareForDeferredProcessing();
            events.add(e);
        }
    }

    public boolean saw(Level level, String... parts) {
        return events.stream().anyMatch(e -> e.getLevel().equals(level) && containsAll(e.getFormattedMessage(), parts));
    }

    /** Errors that carry a Java exception: what should never reach an operator from hostile input. */
    List<String> exceptions() {
        return events.stream().filter(e -> e.getThrowableProxy() != null)
                .map(e -> e.getFormattedMessage() + ": " + e.getThrowableProxy().getClassName() + ": "
                        + e.getThrowableProxy().getMessage())
                .toList();
    }

    public List<String> messages(Level level) {
        return events.stream().filter(e -> e.getLevel().equals(level)).map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static boolean containsAll(String s, String... parts) {
        for (String p : parts) {
            if (!s.contains(p)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(this);
        stop();
    }
}
