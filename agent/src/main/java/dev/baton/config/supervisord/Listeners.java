package dev.baton.config.supervisord;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What an {@code [eventlistener:x]} was for. baton has no event listeners, but the listeners people
 * actually run are a handful of idioms, and two of them map to baton features:
 * <ul>
 *   <li>{@link Kind#EXIT}: "exit the container when a program dies" ({@code kill -SIGQUIT $PPID},
 *       {@code kill $(cat supervisord.pid)}, supervisord-watchdog): baton's {@code exit_on_fatal};</li>
 *   <li>{@link Kind#RELAY}: a relay of {@code PROCESS_LOG} events (supervisor_stdout,
 *       supervisor-console, supervisor_logging): baton copies every line to its own stdout anyway.</li>
 * </ul>
 * superlance's alerting and health listeners and everything else are dropped with a finding.
 */
final class Listeners {
    enum Kind { EXIT, RELAY, ALERT, MEMORY, HEALTH, TICK, OTHER }

    /** Words that give a state listener away as one that ends supervisord. */
    private static final Pattern ENDS_SUPERVISORD = Pattern.compile(
            "\\bkill\\b|watchdog|exit[-_]?on|stop[-_]?supervisor|kill[-_]?supervisor|supervisord\\.pid|\\$PPID|\\bshutdown\\b");
    private static final Pattern SUPERLANCE_ALERT = Pattern.compile("\\b(crashmail|crashmailbatch|fatalmailbatch|crashsms)\\b");

    private Listeners() {
    }

    /** One listener: its events and what it is for. */
    record Listener(List<String> events, Kind kind, String target) {
        /** True when supervisord also ended on an ordinary exit or stop, not only on FATAL. */
        boolean alsoOnExitOrStop() {
            return events.stream().anyMatch(e -> e.equals("PROCESS_STATE") || e.equals("PROCESS_STATE_EXITED")
                    || e.equals("PROCESS_STATE_STOPPED"));
        }
    }

    static Listener classify(String command, String eventsValue) {
        List<String> events = Arrays.stream(eventsValue.split(",")).map(String::strip).filter(e -> !e.isEmpty())
                .map(e -> e.toUpperCase(Locale.ROOT)).toList();
        String c = command == null ? "" : command;
        if (events.stream().anyMatch(e -> e.startsWith("PROCESS_LOG"))) {
            String target = c.contains("supervisor_logging") ? "syslog"
                    : c.contains("supervisor_stdout") || c.contains("supervisor_console") || c.contains("supervisor-console")
                    || c.contains("supervisor-stdout") ? "stdout" : "listener";
            return new Listener(events, Kind.RELAY, target);
        }
        if (SUPERLANCE_ALERT.matcher(c).find()) {
            return new Listener(events, Kind.ALERT, null);
        }
        if (c.contains("memmon")) {
            return new Listener(events, Kind.MEMORY, null);
        }
        if (c.contains("httpok")) {
            return new Listener(events, Kind.HEALTH, null);
        }
        boolean stateEvents = !events.isEmpty() && events.stream().allMatch(e -> e.startsWith("PROCESS_STATE"));
        if (stateEvents && ENDS_SUPERVISORD.matcher(c).find()) {
            return new Listener(events, Kind.EXIT, null);
        }
        if (events.stream().anyMatch(e -> e.startsWith("TICK_"))) {
            return new Listener(events, Kind.TICK, null);
        }
        return new Listener(events, Kind.OTHER, null);
    }
}
