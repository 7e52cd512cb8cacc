package dev.baton.sim;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The exact lines a Chainflip engine prints (shared/reference/chainflip-engine.md): tracing JSON
 * lines with the message in {@code fields.message}, and a few plain ones.
 */
final class EngineLines {

    static final String OBSERVER = "chainflip_engine::state_chain_observer::client";
    private static final String ENGINE = "chainflip_engine";

    private EngineLines() {
    }

    static String starting(String version) {
        return "Starting chainflip-engine v" + version + " (CI Build: \"sim\")";
    }

    static String syncing(Duration every) {
        return json("INFO", "Waiting for Chainflip node to sync. Checking again in " + rustDebug(every) + " ...", ENGINE);
    }

    static String waiting(String own, String release, long block) {
        return json("INFO", "This version '" + own + "' is incompatible with the current release '" + release
                + "' at block: " + shortHash(block) + ". WAITING for a compatible release version.", OBSERVER);
    }

    static String initialised(long block) {
        return json("INFO", "Initialised StateChainClient at block `" + block + "`; block hash: `" + hash(block) + "`", OBSERVER);
    }

    static String processing(long block) {
        return json("DEBUG", "Processing block " + block, ENGINE);
    }

    static String noLongerCompatibleMessage(String own, String release, long block) {
        return "This version '" + own + "' is no longer compatible with the release version '" + release
                + "' at block: " + shortHash(block);
    }

    static String noLongerCompatible(String own, String release, long block) {
        return json("ERROR", noLongerCompatibleMessage(own, release, block), OBSERVER);
    }

    static String exiting(String error) {
        return "Exiting chainflip-engine due to error: " + error;
    }

    static String warn(String message) {
        return json("WARN", message, "chainflip_engine::sim");
    }

    static String json(String level, String message, String target) {
        StringBuilder b = new StringBuilder(160 + message.length());
        b.append("{\"timestamp\":\"").append(Instant.now().truncatedTo(ChronoUnit.MICROS)).append("\",\"level\":\"").append(level)
                .append("\",\"fields\":{\"message\":\"");
        escape(message, b);
        return b.append("\"},\"target\":\"").append(target).append("\"}").toString();
    }

    private static void escape(String s, StringBuilder b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                b.append(c);
            }
        }
    }

    /** A made-up but stable 32-byte block hash. */
    static String hash(long block) {
        StringBuilder b = new StringBuilder("0x");
        long x = block * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < 4; i++) {
            x = mix(x + i);
            String part = Long.toHexString(x);
            b.append("0".repeat(16 - part.length())).append(part);
        }
        return b.toString();
    }

    /** How H256's Display shortens a hash: 0x4d66…fb38. */
    static String shortHash(long block) {
        String h = hash(block);
        return h.substring(0, 6) + "…" + h.substring(h.length() - 4);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Rust's Debug of a Duration: 6s, 500ms, 1.5s. */
    static String rustDebug(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms < 1000 ? ms + "ms" : (ms / 1000) + "." + String.valueOf(1000 + ms % 1000).substring(1).replaceAll("0+$", "") + "s";
    }
}
