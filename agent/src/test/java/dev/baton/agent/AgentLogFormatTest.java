package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.baton.config.LogMode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Agent log lines carry milliseconds even at an exact second (Instant.toString() drops them there). */
class AgentLogFormatTest {
    @Test
    void anExactSecondIsWrittenWithItsMilliseconds() {
        LoggingEvent e = new LoggingEvent();
        e.setLevel(Level.INFO);
        e.setLoggerName("dev.baton.handover");
        e.setMessage("cfe-1-1 idled");
        e.setTimeStamp(Instant.parse("2026-12-02T09:13:00Z").toEpochMilli());
        assertEquals("baton | 2026-12-02T09:13:00.000Z INFO  cfe-1-1 idled", AgentLog.format(e, LogMode.PREFIXED));
        assertEquals("{\"timestamp\":\"2026-12-02T09:13:00.000Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"cfe-1-1 idled\"},"
                + "\"target\":\"baton::handover\"}", AgentLog.format(e, LogMode.RAW));
    }

    /** Under systemd each agent line tells journald its priority (journalctl -u baton -t baton -p err). */
    @Test
    void journalLinesStartWithTheirSyslogLevel() {
        String[][] cases = {{"ERROR", "<3>"}, {"WARN", "<4>"}, {"INFO", "<6>"}, {"DEBUG", "<7>"}, {"TRACE", "<7>"}};
        for (String[] c : cases) {
            LoggingEvent e = event(Level.toLevel(c[0]));
            assertEquals(c[1] + AgentLog.format(e, LogMode.NONE), AgentLog.forJournal(e, LogMode.NONE), c[0]);
        }
        assertEquals("<3>baton | 2026-12-02T09:13:00.000Z ERROR reload refused",
                AgentLog.forJournal(event(Level.ERROR), LogMode.NONE));
    }

    private static LoggingEvent event(Level level) {
        LoggingEvent e = new LoggingEvent();
        e.setLevel(level);
        e.setLoggerName("dev.baton.agent.Agent");
        e.setMessage("reload refused");
        e.setTimeStamp(Instant.parse("2026-12-02T09:13:00Z").toEpochMilli());
        return e;
    }
}
