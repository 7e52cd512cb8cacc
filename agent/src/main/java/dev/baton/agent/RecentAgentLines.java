package dev.baton.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's own newest log lines ({@code baton maintail}), bounded: the last {@value #KEPT}
 * lines of at most {@value #MAX_CHARS} characters each (a stack trace is cut), about 1 MiB at worst.
 */
public final class RecentAgentLines {
    static final int KEPT = 500;
    static final int MAX_CHARS = 1024;
    private static final ArrayDeque<Line> LINES = new ArrayDeque<>();

    /** One line: its time (epoch milliseconds), level and message. */
    public record Line(long timeMillis, String level, String text) {
    }

    private RecentAgentLines() {
    }

    static void add(long timeMillis, String level, String text) {
        Line line = new Line(timeMillis, level, text.length() > MAX_CHARS
                ? text.substring(0, MAX_CHARS) + "... (" + (text.length() - MAX_CHARS) + " more characters)" : text);
        synchronized (LINES) {
            if (LINES.size() == KEPT) {
                LINES.removeFirst();
            }
            LINES.addLast(line);
        }
    }

    /** The newest {@code n} lines, oldest first. */
    public static List<Line> last(int n) {
        synchronized (LINES) {
            List<Line> all = new ArrayList<>(LINES);
            return all.subList(Math.max(0, all.size() - n), all.size());
        }
    }
}
