package dev.baton.handover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The in-core part of the handover latency: from the old engine's "no longer compatible" bytes to the
 * Idle action (recognition + decision), over many handovers. Printed, not asserted; the end-to-end
 * number (to the stop signal) belongs to the supervisor's benchmark.
 */
class HandoverCostTest {

    @Test
    void supersededLineToIdleAction() {
        LineRecognizer recognizer = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());
        byte[] line = ChainflipLines.noLongerCompatible("1.0.3", "1.1.0").getBytes(StandardCharsets.UTF_8);
        int n = 3000;
        long[] ns = new long[n];
        Instant t = Instant.parse("2024-05-01T10:00:00Z");
        for (int i = 0; i < n; i++) {
            EngineGroup g = new EngineGroup("chainflip", Compatibility.MAJOR_MINOR);
            g.onEngineAdded(new EngineSpec("old", Version.parse("1.0.3"), IdleMode.STOP), t);
            g.onEngineAdded(new EngineSpec("new", Version.parse("1.1.0"), IdleMode.STOP), t);
            g.onProcessStarted("old", t);
            g.onProcessStarted("new", t);
            g.onRecognition("old", recognizer.recognize(ChainflipLines.INITIALISED), t);
            g.onRecognition("new", recognizer.recognize(ChainflipLines.waiting("1.1.0", "1.0.0")), t);
            long t0 = System.nanoTime();
            List<Action> actions = g.onRecognition("old", recognizer.recognize(line, 0, line.length), t).actions();
            ns[i] = System.nanoTime() - t0;
            assertEquals(List.of(new Action.Idle("old", IdleMode.STOP)), actions);
        }
        long[] measured = Arrays.copyOfRange(ns, 1000, n); // after warm-up
        Arrays.sort(measured);
        System.out.printf("superseded line -> Idle action: p50 %.1f us, p99 %.1f us over %d handovers%n",
                measured[measured.length / 2] / 1000.0, measured[measured.length * 99 / 100] / 1000.0, measured.length);
    }
}
