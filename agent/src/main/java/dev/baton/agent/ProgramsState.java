package dev.baton.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code programs.json}: what an operator asked for each program, and which process instance
 * runs it, so that a restarted agent keeps a hand-stopped program stopped and ends a stale
 * instance left from its previous run.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgramsState(int version, Map<String, Entry> programs) implements StateFile.Checked {
    public static final int VERSION = 1;

    @Override
    public String invalidBecause() {
        if (version < 1 || programs == null) {
            return "no format version or no programs: not a programs.json written by baton";
        }
        return programs.containsValue(null) ? "a program without its entry" : null;
    }

    public static ProgramsState empty() {
        return new ProgramsState(VERSION, new TreeMap<>());
    }

    /**
     * @param desired  "running" or "stopped" when an operator said so; null to follow autostart
     * @param pid      pid of the instance that runs now (0: none)
     * @param startTime its /proc start time
     * @param tag      its instance tag
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String desired, int pid, long startTime, String tag) {
    }
}
