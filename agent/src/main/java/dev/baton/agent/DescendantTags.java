package dev.baton.agent;

import dev.baton.process.ChildEnvironment;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The instance tag ({@code BATON_INSTANCE}) of each of the agent's descendants, read from
 * /proc/PID/environ once per process instead of at every scan: a stop's scans read the environ of
 * every other program's processes too (several KiB each), and that was most of a scan's time and
 * garbage on the event loop. A process is known by its pid and start time, so a reused pid is read
 * again. The tag is the one the process started (or last exec'd) with as first read; a process that
 * exec's itself with another BATON_INSTANCE keeps its first one here. Event loop only.
 */
final class DescendantTags {
    private record Key(int pid, long startTime) {
    }

    private Map<Key, String> tags = new HashMap<>();

    /**
     * Starts a scan's lookups: forgets the processes that are not among {@code live} (they
     * exited), so the cache holds at most the agent's current descendants.
     */
    void retainOnly(List<ProcStat> live) {
        Map<Key, String> next = new HashMap<>(Math.max(4, live.size() * 2));
        for (ProcStat p : live) {
            Key k = new Key(p.pid(), p.startTime());
            String tag = tags.get(k);
            if (tag != null) {
                next.put(k, tag);
            }
        }
        tags = next;
    }

    /** True when the process carries {@code tag}; an environ that cannot be read now is tried again next time. */
    boolean carries(ProcStat p, String tag) {
        Key k = new Key(p.pid(), p.startTime());
        String known = tags.get(k);
        if (known == null) {
            known = ProcessTable.environmentValue(p.pid(), ChildEnvironment.INSTANCE);
            if (known == null) {
                return false; // gone, or not ours to read
            }
            tags.put(k, known);
        }
        return known.equals(tag);
    }
}
