package dev.baton.handover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Measures the recognition cost per line and prints it (no timing asserts: numbers go in the note).
 * Surefire runs with -XX:TieredStopAtLevel=1, which makes these numbers pessimistic; for C2 numbers run
 * {@code java -cp agent/target/classes:agent/target/test-classes:<deps> dev.baton.handover.RecognitionCostTest}.
 */
class RecognitionCostTest {

    private static final LineRecognizer CHAINFLIP = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());

    @Test
    void measure() {
        Result r = run(1_000_000, 100_000);
        System.out.println(r);
        assertEquals(0, r.noiseHits);
        assertNotNull(CHAINFLIP.recognize(ChainflipLines.GUIDE_WAITING));
    }

    record Result(double noiseNs, double matchingNs, int noiseHits, double avgNoiseBytes) {
        @Override
        public String toString() {
            return String.format("recognition cost: noise %.0f ns/line (avg %.0f bytes), matching WAITING line %.0f ns/line",
                    noiseNs, avgNoiseBytes, matchingNs);
        }
    }

    static Result run(int noiseLines, int matchingLines) {
        byte[][] noise = Arrays.stream(ChainflipLines.NOISE).map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        byte[] match = ChainflipLines.GUIDE_WAITING.getBytes(StandardCharsets.UTF_8);
        for (int warm = 0; warm < 3; warm++) {
            noisePass(noise, noiseLines / 4);
            matchPass(match, matchingLines / 4);
        }
        long t0 = System.nanoTime();
        int hits = noisePass(noise, noiseLines);
        long t1 = System.nanoTime();
        int matched = matchPass(match, matchingLines);
        long t2 = System.nanoTime();
        if (matched != matchingLines) {
            throw new AssertionError("matching lines not recognised");
        }
        double avg = Arrays.stream(noise).mapToInt(b -> b.length).average().orElse(0);
        return new Result((t1 - t0) / (double) noiseLines, (t2 - t1) / (double) matchingLines, hits, avg);
    }

    private static int noisePass(byte[][] noise, int n) {
        int hits = 0;
        for (int i = 0; i < n; i++) {
            byte[] b = noise[i % noise.length];
            if (CHAINFLIP.recognize(b, 0, b.length) != null) {
                hits++;
            }
        }
        return hits;
    }

    private static int matchPass(byte[] line, int n) {
        int hits = 0;
        for (int i = 0; i < n; i++) {
            if (CHAINFLIP.recognize(line, 0, line.length) != null) {
                hits++;
            }
        }
        return hits;
    }

    public static void main(String[] args) {
        for (int i = 0; i < 3; i++) {
            System.out.println(run(5_000_000, 500_000));
        }
    }
}
