package dev.baton.metrics;

import dev.baton.control.AgentStatus;
import dev.baton.metrics.Family.Gauge;
import dev.baton.metrics.Family.Info;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The agent's own families: identity, state-directory health and resident memory. */
final class AgentMetrics {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private AgentMetrics() {
    }

    static List<Family> collect(AgentStatus status, LabelCache labels) {
        List<Family> families = new ArrayList<>(4);
        families.add(new Info("baton_agent", "The agent: its version and host name (join on instance for the host)")
                .add(labels.of("version", status.version(), "host", status.host())));
        families.add(new Gauge("baton_agent_state_problem",
                "1 when the state directory has a problem (disk full, corrupted file; reason label), else 0")
                .add(status.stateProblem() != null, labels.of("reason", status.stateProblem())));
        families.add(new Gauge("baton_agent_state_lost",
                "1 when a state file and its last good copy were damaged: programs whose intent was lost are held "
                        + "until an operator starts them, else 0")
                .add(status.stateLost(), Labels.EMPTY));
        long rss = residentBytes();
        if (rss > 0) {
            // The standard name every Prometheus client uses, so existing panels and alerts work as is
            families.add(new Gauge("process_resident_memory_bytes", "Resident memory size of the agent in bytes")
                    .add(rss, Labels.EMPTY));
        }
        return families;
    }

    /** VmRSS from /proc (in kB there); 0 when not on Linux. One small read, no line Strings. */
    static long residentBytes() {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try (FileChannel ch = FileChannel.open(PROC_STATUS)) {
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // /proc files report size 0: read until EOF
            }
        } catch (IOException e) {
            return 0;
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        int at = text.indexOf("\nVmRSS:");
        if (at < 0) {
            return 0;
        }
        int end = text.indexOf(" kB", at);
        return end < 0 ? 0 : Long.parseLong(text.substring(at + 7, end).trim()) * 1024;
    }
}
