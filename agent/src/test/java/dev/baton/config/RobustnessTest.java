package dev.baton.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/** Whatever the text, parse either returns a config or throws ConfigException with problems, never anything else. */
class RobustnessTest {
    private static final String ALPHABET = "[]{}\"'=.,#\n \\0123456789eE+-_:azAZ\u0000é";

    @Test
    void mangledConfigsOnlyEverFailWithConfigException() {
        String valid = EffectiveConfigTest.EVERYTHING;
        Random random = new Random(42);
        for (int i = 0; i < 1500; i++) {
            StringBuilder text = new StringBuilder(valid);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(3)) {
                    case 0 -> text.deleteCharAt(at);
                    case 1 -> text.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    default -> text.setLength(at);
                }
            }
            check(text.toString());
        }
    }

    @Test
    void hostileValues() {
        for (String toml : new String[] {
                "a = " + "[".repeat(5000) + "]".repeat(5000),
                "a = " + "{b = ".repeat(2000) + "1" + "}".repeat(2000),
                "[programs.x]\ncommand = \"" + "x ".repeat(100_000) + "\"",
                "[programs.x]\ncommand = \"x\"\npriority = 9223372036854775807\nstop_timeout = -9223372036854775808",
                "[programs.x]\ncommand = \"x\"\nstart_secs = \"999999999h\"\nlog = { max_bytes = \"999999999999999TiB\" }",
                "[programs.x]\ncommand = \"x\"\nbackoff = { multiplier = nan, jitter = inf }",
                "[programs.x]\ncommand = \"x\"\nstop_signal = 99999999999\numask = -1",
                "[" + "a.".repeat(3000) + "b]",
        }) {
            check(toml);
        }
    }

    private static String shortened(String text) {
        return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
    }

    private static void check(String toml) {
        try {
            ConfigLoader.parse(toml, Path.of("/etc/baton/baton.toml"));
        } catch (ConfigException e) {
            assertFalse(e.problems().isEmpty());
            assertFalse(e.getMessage().contains("a bug in baton"), () -> "a bug surfaced for:\n" + shortened(toml) + "\n" + e.getMessage());
        } catch (Throwable t) {
            fail("escaped " + t + " for:\n" + shortened(toml), t);
        }
    }
}
