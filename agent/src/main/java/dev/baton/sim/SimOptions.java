package dev.baton.sim;

import dev.baton.handover.Version;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The simulator's command line: {@code --version 1.1.0 --release-file PATH [--block-time 500ms]
 * [--health-port N] [--sync-blocks N] [--name X]}, each also as {@code --key=value}.
 *
 * @param version     the engine's own version
 * @param releaseFile a file holding the chain's current release (one line); rewrite it to "upgrade the runtime"
 * @param blockTime   time between simulated finalized blocks ({@code 500ms}, {@code 6s}, or milliseconds)
 * @param healthPort  port for {@code GET /health} on 127.0.0.1 while active; 0: none
 * @param syncBlocks  blocks spent "waiting for the node to sync" before the first version check
 * @param name        a label for this instance in the simulator's own warnings (the engine's messages stay as they are)
 */
record SimOptions(Version version, Path releaseFile, Duration blockTime, int healthPort, int syncBlocks, String name) {

    static final String USAGE = "usage: EngineSimulator --version 1.1.0 --release-file PATH [--block-time 500ms] "
            + "[--health-port N] [--sync-blocks N] [--name X]";

    /** @throws IllegalArgumentException with a message for the user */
    static SimOptions parse(String[] args) {
        Version version = null;
        Path releaseFile = null;
        Duration blockTime = Duration.ofMillis(500);
        int healthPort = 0;
        int syncBlocks = 0;
        String name = "chainflip-engine";
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            String value;
            int eq = key.indexOf('=');
            if (eq > 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for " + key);
            }
            switch (key) {
                case "--version" -> version = Version.parse(value);
                case "--release-file" -> releaseFile = Path.of(value);
                case "--block-time" -> blockTime = duration(value);
                case "--health-port" -> healthPort = number(key, value, 0, 65535);
                case "--sync-blocks" -> syncBlocks = number(key, value, 0, Integer.MAX_VALUE);
                case "--name" -> name = value;
                default -> throw new IllegalArgumentException("unknown option " + key);
            }
        }
        if (version == null || releaseFile == null) {
            throw new IllegalArgumentException("--version and --release-file are required");
        }
        return new SimOptions(version, releaseFile, blockTime, healthPort, syncBlocks, name);
    }

    static Duration duration(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("ms")) {
                return positive(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))), text);
            }
            if (t.endsWith("s")) {
                return positive(Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000)), text);
            }
            return positive(Duration.ofMillis(Long.parseLong(t)), text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--block-time: expected e.g. 500ms or 6s, got '" + text + "'");
        }
    }

    private static Duration positive(Duration d, String text) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("--block-time must be positive, got '" + text + "'");
        }
        return d;
    }

    private static int number(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + ": expected a number " + min + "-" + max + ", got '" + value + "'");
    }
}
