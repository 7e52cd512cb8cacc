import dev.baton.handover.LineRecognizer;
import dev.baton.handover.ProfileReader;
import java.nio.charset.StandardCharsets;

/**
 * Per-line cost of LineRecognizer (the built-in chainflip profile) on non-matching engine noise and
 * on a matching WAITING line: a plain main-based micro benchmark (warm-up, then timed passes).
 * Compiled and run by bench/workloads.py against the shaded jar. Prints key=value pairs.
 */
public class RecognizerBench {
    static final String[] NOISE = {
        json("INFO", "Processing block 4022"),
        json("DEBUG", "Received 12 events in block 0x4d66\u2026fb38"),
        "{\"timestamp\":\"2023-12-11T16:26:40.120011Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"Witnessed deposit\","
            + "\"chain\":\"Ethereum\",\"amount\":\"1000000000000000000\"},\"target\":\"chainflip_engine::witness::eth\"}",
        json("WARN", "p2p: connection to 12D3KooWPeer dropped, reconnecting"),
        "2023-12-11 16:26:41 INFO Loaded settings from /etc/chainflip/config/Settings.toml",
        json("INFO", "Ceremony 42 (keygen) finished in 3.2s with 150 participants"),
        json("DEBUG", "Processing block 1000005: 12 extrinsics, 3 events, witnessing ok"),
    };
    static final String WAITING = json("INFO", "This version '1.1.0' is incompatible with the current release '1.0.0' "
            + "at block: 0x4d66\u2026fb38. WAITING for a compatible release version.");

    static String json(String level, String msg) {
        return "{\"timestamp\":\"2023-12-11T16:26:40.120011Z\",\"level\":\"" + level + "\",\"fields\":{\"message\":\""
            + msg + "\"},\"target\":\"chainflip_engine::state_chain_observer::client\"}";
    }

    public static void main(String[] args) {
        LineRecognizer r = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());
        byte[][] noise = new byte[NOISE.length][];
        long bytes = 0;
        for (int i = 0; i < NOISE.length; i++) {
            noise[i] = NOISE[i].getBytes(StandardCharsets.UTF_8);
            bytes += noise[i].length;
        }
        byte[] match = WAITING.getBytes(StandardCharsets.UTF_8);
        int hits = 0;
        for (int warm = 0; warm < 5; warm++) {
            hits += noisePass(r, noise, 400_000);
            matchPass(r, match, 20_000);
        }
        long n = 2_000_000;
        long t0 = System.nanoTime();
        hits += noisePass(r, noise, (int) n);
        double noiseNs = (System.nanoTime() - t0) / (double) n;
        long m = 200_000;
        t0 = System.nanoTime();
        int matched = matchPass(r, match, (int) m);
        double matchNs = (System.nanoTime() - t0) / (double) m;
        System.out.printf("noise_ns_per_line=%.1f matching_ns_per_line=%.1f avg_noise_bytes=%.0f noise_hits=%d matched=%d%n",
            noiseNs, matchNs, bytes / (double) noise.length, hits, matched);
    }

    static int noisePass(LineRecognizer r, byte[][] lines, int n) {
        int hits = 0;
        for (int i = 0; i < n; i++) {
            byte[] l = lines[i % lines.length];
            if (r.recognize(l, 0, l.length) != null) {
                hits++;
            }
        }
        return hits;
    }

    static int matchPass(LineRecognizer r, byte[] line, int n) {
        int hits = 0;
        for (int i = 0; i < n; i++) {
            if (r.recognize(line, 0, line.length) != null) {
                hits++;
            }
        }
        return hits;
    }
}
