package dev.baton.process.os;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks that a running program holds only fds 0-2. Right after exec the dynamic loader briefly
 * opens ld.so.cache and each shared library as fd 3 and closes them again, so one look can catch a
 * descriptor that is not a leak (it failed CI once on a loaded machine). A leaked descriptor stays
 * open for the life of the process, so waiting until the list is exactly 0-2 still fails on a leak.
 */
public final class StandardFdsOnly {
    private StandardFdsOnly() {
    }

    public static void assertHeldBy(long pid) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertEquals(List.of("0", "1", "2"), fdsOf(pid), "open fds of pid " + pid));
    }

    static List<String> fdsOf(long pid) {
        try (Stream<Path> entries = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
