package dev.baton.agent.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.baton.process.os.BootId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code programs.json}: what an operator asked for each program, and which process instance
 * runs it, so that a restarted agent keeps a hand-stopped program stopped and ends a stale
 * instance left from its previous run. {@code bootId}: the boot the pids belong to (null in files
 * written before it was recorded).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgramsState(int version, Map<String, Entry> programs, String bootId) implements StateFile.Checked {
    public static final int VERSION = 1;

    /** Written now, in this boot. */
    public ProgramsState(int version, Map<String, Entry> programs) {
        this(version, programs, BootId.current());
    }

    /**
     * Whether the pids in it were recorded before the last reboot: they name nothing of baton's
     * now (a stranger may have the same pid and start time). A file of before this field: unknown.
     */
    public boolean fromAnotherBoot() {
        return BootId.isAnotherBoot(bootId);
    }

    @Override
    public String invalidBecause() {
        if (version < 1 || programs == null) {
            return "no format version or no programs: not a programs.json written by baton";
        }
        return programs.containsValue(null) ? "a program without its entry" : null;
    }

    /**
     * One entry as baton writes it ({@code desired} first, then {@code pid}), found anywhere in
     * damaged text: the entries before a truncation or past a garbled stretch still say what an
     * operator asked for. An entry without {@code desired} is found too (it follows autostart).
     */
    private static final Pattern ENTRY = Pattern.compile(
            "\"([A-Za-z0-9][A-Za-z0-9._-]{0,63})\"\\s*:\\s*\\{\\s*(?:\"desired\"\\s*:\\s*\"(running|stopped)\"\\s*,\\s*)?\"pid\"");

    public static ProgramsState empty() {
        return new ProgramsState(VERSION, new TreeMap<>());
    }

    /**
     * What can still be known from damaged copies of the file: each program whose entry is intact
     * enough to show its desired state (the first copy given, the newer, wins). Pids are not salvaged: a
     * damaged pid could name a stranger's process; stale instances are found by their tag.
     */
    public static ProgramsState salvage(List<byte[]> damagedCopies) {
        Map<String, Entry> found = new TreeMap<>();
        for (byte[] copy : damagedCopies) {
            Matcher m = ENTRY.matcher(new String(copy, StandardCharsets.ISO_8859_1));
            while (m.find()) {
                found.putIfAbsent(m.group(1), new Entry(m.group(2), 0, 0, null)); // the newer copy comes first
            }
        }
        return new ProgramsState(VERSION, found);
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
