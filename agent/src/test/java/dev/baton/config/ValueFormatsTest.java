package dev.baton.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Durations, sizes, shell words and key suggestions. */
class ValueFormatsTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s"));
        assertEquals(Duration.ofHours(1), Durations.parse(" 1h "));
        for (String bad : List.of("", "10", "1.5s", "-1s", "1s1s", "10 s", "1d", "ten seconds", "9999999999s")) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
        for (String text : List.of("0s", "500ms", "1s500ms", "1m30s", "24h", "1h1s")) {
            assertEquals(text, Durations.format(Durations.parse(text)));
        }
    }

    @Test
    void sizes() {
        assertEquals(64 * 1024, Sizes.parse("64KiB"));
        assertEquals(50_000_000, Sizes.parse("50MB"));
        assertEquals(1L << 30, Sizes.parse("1 gib"));
        assertEquals(123, Sizes.parse("123"));
        for (String bad : List.of("", "KiB", "1.5MiB", "-1", "64 kilobytes", "1XB")) {
            assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
        }
        assertThrows(ArithmeticException.class, () -> Sizes.parse("999999999999999TiB"));
        assertEquals("64KiB", Sizes.format(65536));
        assertEquals("1000", Sizes.format(1000));
        assertEquals("0", Sizes.format(0));
    }

    @Test
    void shellWords() {
        assertEquals(List.of("a", "b c", "d'e", "f\\g", "h"), ShellWords.split(" a 'b c' \"d'e\" \"f\\g\" h ").words());
        assertEquals(List.of("ab"), ShellWords.split("a\\\nb").words());
        assertEquals(List.of(), ShellWords.split("   ").words());
        assertNull(ShellWords.split("/bin/x --url 'http://h/?a=1&b=2' \"#1\" a#b x~ '$(no)'").needsShell());
        for (String[] c : new String[][] {{"a | b", "|"}, {"a || b", "||"}, {"a&", "&"}, {"a; b", ";"}, {"a > f", ">"},
                {"a < f", "<"}, {"a *.log", "*"}, {"a `b`", "`"}, {"a \"$(b)\"", "$("}, {"a ${X}", "${"},
                {"a $HOME", "$HOME"}, {"a # comment", "#"}, {"a ~/x", "~"}}) {
            assertEquals(c[1], ShellWords.split(c[0]).needsShell(), c[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("a 'b"));
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("a \"b"));
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("a \\"));
    }

    @Test
    void nearestKey() {
        List<String> keys = List.of("stop_timeout", "start_secs", "user", "umask");
        assertEquals(Optional.of("stop_timeout"), NearestKey.among("stop_timout", keys));
        assertEquals(Optional.of("stop_timeout"), NearestKey.among("stop-timeout", keys));
        assertEquals(Optional.of("stop_timeout"), NearestKey.among("STOP_TIMEOUT", keys));
        assertEquals(Optional.of("user"), NearestKey.among("usre", keys));
        assertEquals(Optional.empty(), NearestKey.among("foo", keys));
        assertEquals(1, NearestKey.distance("agent", "agnet"));
        assertEquals("; valid keys: start_secs, stop_timeout, umask, user", NearestKey.hint("zzz", keys, "keys"));
    }
}
