package dev.baton.agent;

import dev.baton.agent.state.StateFile;
import dev.baton.agent.state.StateWriter;
import dev.baton.control.HandoverRecord;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators asked of the agent through its API (who, what, when), for the history beside the
 * handover events: the newest {@value #KEPT}, saved in {@value #FILE} in the state directory (so a
 * restart, or a kill, does not lose who did what), and each one in the agent's log. The file is
 * written as the other state files are (atomically, a last good copy beside it, on the state
 * writer's thread); a damaged file is reported in the history itself and the agent goes on.
 */
final class OperatorLog {
    static final String KIND = "OPERATOR_ACTION";
    /** The history's note that the saved actions could not be read (the file and maybe its last good copy). */
    static final String DAMAGED_KIND = "OPERATOR_HISTORY_DAMAGED";
    static final String FILE = "operators.json";
    static final int KEPT = 500;
    private static final Logger log = LoggerFactory.getLogger(OperatorLog.class);

    /** One action as saved; {@code who} null for the agent's own note that the file was damaged. */
    record Action(String time, String who, String what, String program) {
        HandoverRecord record() {
            Instant at = Instant.parse(time);
            return new HandoverRecord(at, null, who == null ? DAMAGED_KIND : KIND, program,
                    who == null ? what : who + ": " + what + (program != null ? " " + program : ""), 1, at, who);
        }
    }

    /** The saved file: {@code {"version":1,"actions":[...]}}, oldest first. */
    record Saved(int version, List<Action> actions) implements StateFile.Checked {
        static final int VERSION = 1;

        @Override
        public String invalidBecause() {
            if (version != VERSION) {
                return "version " + version + ", expected " + VERSION;
            }
            if (actions == null) {
                return "no \"actions\"";
            }
            for (Action a : actions) {
                if (a == null || a.time() == null || a.what() == null) {
                    return "an action without its time or what";
                }
                try {
                    Instant.parse(a.time());
                } catch (DateTimeParseException e) {
                    return "an action's time is not an instant: " + a.time();
                }
            }
            return null;
        }
    }

    private final ArrayDeque<Action> actions = new ArrayDeque<>();
    private final StateFile<Saved> file;
    private final StateWriter writer;

    /** Loads what was saved; a damaged file becomes a note in the history. */
    OperatorLog(StateFile<Saved> file, StateWriter writer) {
        this.file = file;
        this.writer = writer;
        file.load().ifPresent(saved -> saved.actions().stream().skip(Math.max(0, saved.actions().size() - KEPT))
                .forEach(actions::addLast));
        String damage = file.lost() != null ? file.lost() + " (the actions recorded before this start)" : file.problem();
        if (damage != null) {
            log.error("state: {}", damage);
            add(new Action(Instant.now().toString(), null, damage, null));
        }
    }

    /** {@code who}: the Unix socket peer's user, or "token" over TCP; {@code program} null for the agent. */
    void record(String who, String what, String program) {
        Action a = new Action(Instant.now().toString(), who, what, program);
        log.info("operator {}", a.record().message());
        add(a);
    }

    private void add(Action a) {
        synchronized (actions) {
            if (actions.size() == KEPT) {
                actions.removeFirst();
            }
            actions.addLast(a);
            // Under the lock: snapshots reach the writer in the order they were taken. Durable: an
            // action the API answered for stays recorded through a power loss.
            writer.submit(file, new Saved(Saved.VERSION, List.copyOf(actions)), true);
        }
    }

    List<HandoverRecord> all() {
        List<Action> copy;
        synchronized (actions) {
            copy = new ArrayList<>(actions);
        }
        return copy.stream().map(Action::record).toList();
    }
}
