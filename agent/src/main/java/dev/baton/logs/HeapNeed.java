package dev.baton.logs;

import dev.baton.config.BatonConfig;
import dev.baton.config.LogSettings;
import dev.baton.config.ProgramConfig;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The heap a configuration needs, so that no output can make the agent run out of it: the programs'
 * log rings once full, plus what the agent needs besides. A configuration that needs more than the
 * JVM's maximum heap is refused (at start and at reload) with the way out, instead of an agent that
 * dies of OutOfMemoryError, and takes every program with it, once enough output has come.
 */
public final class HeapNeed {
    private static final long MIB = 1 << 20;
    /**
     * Everything but the rings: the agent itself (~8 MiB live), the API's output budget (8 MiB,
     * dev.baton.api.ApiServer), building one answer (up to ~8 MiB for a 512 KiB log tail in JSON),
     * and room for the collector to work.
     */
    static final long BASE_BYTES = 32 * MIB;
    /** Per ring line: its start, length, time and stream in the ring's parallel arrays, with growth. */
    private static final long BYTES_PER_RING_LINE = 24;

    private HeapNeed() {
    }

    /** Heap bytes {@code config} needs when every ring and every spill (agent stdout, log files) is full. */
    public static long bytes(BatonConfig config) {
        long need = BASE_BYTES + config.agent().stdoutSpill() + lineBuffers(config);
        for (ProgramConfig p : config.programs().values()) {
            need += ringBytes(p.log());
            if (p.log().file() != null) {
                need += FileSink.SPOOL_BYTES; // its lines on their way to the disk
            }
        }
        return need;
    }

    /**
     * What a line up to {@code max_line_bytes} can hold besides the rings: the framer's carry of each
     * pipe (stdout and stderr of every program: a line that spans reads, or is being cut) and the
     * batch on its way to stdout (one such line, escaped and cut at the same length, in a buffer
     * grown by doubling). Small with the default 64 KiB; 16 MiB lines make them count.
     */
    static long lineBuffers(BatonConfig config) {
        long line = config.agent().maxLineBytes() + LineFramer.cutMarker(config.agent().maxLineBytes()).length + 1;
        return line * (2L * config.programs().size() + 2);
    }

    /**
     * A ring's arena may exist twice for a moment (grown by doubling, or resized at a reload: the
     * old and the new one), so one and a half times its bytes, plus its lines' metadata.
     */
    static long ringBytes(LogSettings log) {
        if (log.ringLines() == 0 || log.ringBytes() == 0) {
            return 0;
        }
        return log.ringBytes() * 3 / 2 + log.ringLines() * BYTES_PER_RING_LINE;
    }

    /** Why {@code config} cannot run in {@code maxHeap} bytes of heap; null when it can. */
    public static String problem(BatonConfig config, long maxHeap) {
        long need = bytes(config);
        if (need <= maxHeap) {
            return null;
        }
        List<Map.Entry<String, ProgramConfig>> biggest = config.programs().entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, ProgramConfig> e) -> -ringBytes(e.getValue().log())))
                .limit(3).toList();
        StringBuilder largest = new StringBuilder();
        for (Map.Entry<String, ProgramConfig> e : biggest) {
            largest.append(largest.length() == 0 ? "" : ", ").append(e.getKey()).append(" ")
                    .append(e.getValue().log().ringBytes() / MIB).append(" MiB");
        }
        long mib = (need + MIB - 1) / MIB;
        long lines = lineBuffers(config);
        if (lines >= 8 * MIB) {
            largest.append("; and lines of up to max_line_bytes, ").append(lines / MIB).append(" MiB for ")
                    .append(2 * config.programs().size()).append(" pipes");
        }
        return "the programs' log rings (log.ring_bytes; largest: " + largest + ") need " + mib
                + " MiB of heap once full, and the agent's JVM has " + maxHeap / MIB + " MiB: lower ring_bytes, or "
                + "give the agent a larger heap (BATON_JAVA_OPTS=-Xmx" + roundUp(mib) + "m, e.g. with "
                + "systemctl edit baton: [Service] Environment=BATON_JAVA_OPTS=-Xmx" + roundUp(mib) + "m)";
    }

    /** -Xmx to suggest: the need and a quarter, in whole 16 MiB. */
    private static long roundUp(long mib) {
        return (mib * 5 / 4 + 15) / 16 * 16;
    }
}
