package dev.baton.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.spi.ContextAwareBase;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.baton.config.LogMode;
import dev.baton.logs.AgentOutput;
import dev.baton.time.Timestamps;
import java.util.Locale;

/**
 * The agent's own log: configured in code (no logback XML to parse at start-up) and written
 * through {@link AgentOutput} once the agent runs, so agent lines and program lines never
 * interleave mid-line. In raw mode agent lines are JSON in the engines' own shape
 * ({@code timestamp, level, fields.message, target}), so every stdout line stays parseable.
 * Before (and outside) a run, lines go to stderr.
 */
public final class AgentLog extends ContextAwareBase implements Configurator {
    private static volatile AgentOutput output;
    private static volatile LogMode mode = LogMode.PREFIXED;
    private static volatile boolean levelPrefix;

    /**
     * Routes the agent's log lines into the agent output. {@code journal}: stdout is the journal,
     * so each line starts with its syslog level ({@code <3>} for ERROR), which systemd takes as the
     * entry's priority and removes: {@code journalctl -u baton -t baton -p warning} finds them.
     */
    public static void attach(AgentOutput out, LogMode logMode, boolean journal) {
        mode = logMode;
        levelPrefix = journal;
        output = out;
    }

    public static void detach() {
        output = null;
    }

    @Override
    public Configurator.ExecutionStatus configure(LoggerContext context) {
        Appender appender = new Appender();
        appender.setContext(context);
        appender.setName("baton");
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv().getOrDefault("BATON_LOG_LEVEL", "INFO"), Level.INFO));
        root.addAppender(appender);
        // Chatty libraries stay at WARN unless asked otherwise.
        for (String noisy : new String[] {"io.undertow", "org.xnio", "org.jboss", "io.grpc", "io.netty", "io.etcd", "io.vertx"}) {
            context.getLogger(noisy).setLevel(Level.WARN);
        }
        // jetcd logs every failed keep-alive and retry at WARN while etcd is away; the cluster reports
        // the state of its lease and locks itself, once per change.
        context.getLogger("io.etcd.jetcd.impl").setLevel(Level.ERROR);
        return Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static String format(ILoggingEvent e, LogMode m) {
        String msg = e.getFormattedMessage();
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            msg = msg + "\n" + ThrowableProxyUtil.asString(t);
        }
        String level = e.getLevel().toString();
        if (m == LogMode.RAW) {
            JsonStringEncoder enc = JsonStringEncoder.getInstance();
            return "{\"timestamp\":\"" + Timestamps.formatMillis(e.getTimeStamp()) + "\",\"level\":\"" + level
                    + "\",\"fields\":{\"message\":\"" + new String(enc.quoteAsString(msg)) + "\"},\"target\":\"baton::"
                    + shortName(e.getLoggerName()).toLowerCase(Locale.ROOT) + "\"}";
        }
        return "baton | " + Timestamps.formatMillis(e.getTimeStamp()) + " " + String.format("%-5s", level) + " " + msg;
    }

    /** The line with its syslog level in front, as systemd's stdout stream reads it (SyslogLevelPrefix=yes). */
    static String forJournal(ILoggingEvent e, LogMode m) {
        int level = switch (e.getLevel().toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
        return "<" + level + ">" + format(e, m);
    }

    private static String shortName(String logger) {
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    private static final class Appender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            RecentAgentLines.add(e.getTimeStamp(), e.getLevel().toString(), e.getFormattedMessage());
            AgentOutput out = output;
            if (out != null) {
                out.agentLine(levelPrefix ? forJournal(e, mode) : format(e, mode));
            } else {
                System.err.println(format(e, LogMode.PREFIXED));
            }
        }
    }
}
