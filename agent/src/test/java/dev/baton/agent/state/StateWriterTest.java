package dev.baton.agent.state;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background writer of the state files, on real files. */
class StateWriterTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A state file's content: a counter. */
    public record Counter(int n) {
    }

    /**
     * A snapshot whose serialisation, for n = 0, says so on {@link #writing} and waits for
     * {@link #release} (the writer is busy with it meanwhile); counts how often one is serialised.
     */
    public record Held(int n) {
        static volatile CountDownLatch writing;
        static volatile CountDownLatch release;
        static final AtomicInteger serialised = new AtomicInteger();

        @Override
        public int n() {
            serialised.incrementAndGet();
            if (n == 0) {
                writing.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return n;
        }
    }

    @BeforeEach
    void resetHeld() {
        Held.writing = new CountDownLatch(1);
        Held.release = new CountDownLatch(1);
        Held.serialised.set(0);
    }

    private int read(Path file) throws Exception {
        return StateFile.JSON.readTree(file.toFile()).path("n").asInt(-1);
    }

    @Test
    void whileAWriteIsUnderWayOnlyTheNewestPendingSnapshotIsWrittenNext() throws Exception {
        StateFile<Held> file = new StateFile<>(dir, "held.json", Held.class);
        try (StateWriter writer = new StateWriter()) {
            writer.submit(file, new Held(0), false);
            assertTrue(Held.writing.await(10, TimeUnit.SECONDS), "the writer took the first snapshot");
            for (int i = 1; i <= 100; i++) {
                writer.submit(file, new Held(i), false);
            }
            Held.release.countDown();
            assertTrue(writer.flush(LIMIT));
            assertEquals(100, read(file.path()));
            // 0 and 100 were written, 1..99 replaced while pending (each write serialises once)
            assertEquals(2, Held.serialised.get(), "coalesced");
        }
    }

    @Test
    void aLaterSnapshotIsNeverOverwrittenByAnOlderOne() throws Exception {
        StateFile<Counter> file = new StateFile<>(dir, "counter.json", Counter.class);
        List<String> backwards = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            int last = -1;
            while (!done.get()) {
                try {
                    int n = Files.exists(file.path()) ? read(file.path()) : -1;
                    if (n < last) {
                        backwards.add(last + " -> " + n);
                    }
                    last = Math.max(last, n);
                } catch (Exception e) {
                    backwards.add("unreadable: " + e); // the rename is atomic: never half a file
                }
            }
        });
        reader.start();
        try (StateWriter writer = new StateWriter()) {
            for (int i = 0; i < 2000; i++) {
                writer.submit(file, new Counter(i), i % 7 == 0);
            }
            assertTrue(writer.flush(LIMIT));
            assertEquals(1999, read(file.path()));
        } finally {
            done.set(true);
            reader.join();
        }
        assertEquals(List.of(), backwards);
        assertEquals(1999, read(dir.resolve("counter.json.last-good")), "the last good copy follows");
    }

    @Test
    void closeWritesWhatIsPendingAndLaterSubmissionsAreWrittenAtOnce() throws Exception {
        StateFile<Counter> a = new StateFile<>(dir, "a.json", Counter.class);
        StateFile<Counter> b = new StateFile<>(dir, "b.json", Counter.class);
        StateWriter writer = new StateWriter();
        for (int i = 1; i <= 50; i++) {
            writer.submit(a, new Counter(i), true);
            writer.submit(b, new Counter(-i), false);
        }
        writer.close();
        assertEquals(50, read(a.path()));
        assertEquals(-50, read(b.path()));
        writer.submit(a, new Counter(51), true);
        assertEquals(51, read(a.path()), "written on the caller's thread once the writer is closed");
    }

    @Test
    void aFailedWriteIsReportedAndTheNextGoodOneClearsIt() throws Exception {
        StateFile<Counter> file = new StateFile<>(dir, "c.json", Counter.class);
        try (StateWriter writer = new StateWriter()) {
            writer.submit(file, new Counter(1), true);
            assertTrue(writer.flush(LIMIT));
            assertNull(file.problem());

            // The temp file cannot be created where a directory is (not empty: the failed write's cleanup keeps it)
            Path blocker = Files.createDirectory(dir.resolve("c.json.tmp"));
            Path inside = Files.createFile(blocker.resolve("x"));
            writer.submit(file, new Counter(2), true);
            assertTrue(writer.flush(LIMIT));
            assertNotNull(file.problem(), "reported");
            assertTrue(file.problem().contains("cannot write"), file.problem());
            assertEquals(1, read(file.path()), "the file keeps its previous content");

            Files.delete(inside);
            Files.delete(blocker);
            writer.submit(file, new Counter(3), true);
            await().atMost(LIMIT).until(() -> file.problem() == null);
            assertEquals(3, read(file.path()));
        }
    }

    @Test
    void flushGivesUpAfterItsLimitWhenTheWriterIsStuck() throws Exception {
        StateFile<Counter> file = new StateFile<>(dir, "d.json", Counter.class);
        try (StateWriter writer = new StateWriter()) {
            writer.submit(new StateFile<>(dir, "stuck.json", Held.class), new Held(0), false);
            assertTrue(Held.writing.await(10, TimeUnit.SECONDS));
            writer.submit(file, new Counter(1), false);
            assertFalse(writer.flush(Duration.ofMillis(50)), "the writer is stuck on another file");
            Held.release.countDown();
            assertTrue(writer.flush(LIMIT));
            assertEquals(1, read(file.path()));
        }
    }
}
