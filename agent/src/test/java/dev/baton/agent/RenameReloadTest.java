package dev.baton.agent;

import static dev.baton.agent.Scripts.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.ActionResult;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that renames a running program (the same command under a new name) starts the new name
 * only once the old one's process group is gone, as supervisorctl's update does: the same engine
 * binary, with the same keys, never runs twice. The engine stand-in, once sent SIGTERM, stops only
 * when the test releases it (it waits while a hold file exists), so every test decides what happens
 * while the old engine is still stopping instead of racing a timer on a loaded machine. It writes its
 * start and its exit (wall clock, ns) to a ledger, so an overlap shows in it. Its TERM trap is set
 * before its start line: a test that waits for that line may stop it at once.
 */
class RenameReloadTest {
    @TempDir
    Path dir;

    private Path ledger;
    private Path hold;
    private String command;

    @BeforeEach
    void engine() throws Exception {
        ledger = dir.resolve("ledger");
        Files.writeString(ledger, "");
        hold = dir.resolve("hold");
        Files.writeString(hold, "");
        Path script = Scripts.write(dir, "engine.sh", """
                trap 'while [ -e "$2" ]; do sleep 0.02; done; echo "exit $BATON_PROGRAM $$ $(date +%s%N)" >> "$1"; exit 0' TERM
                echo "start $BATON_PROGRAM $$ $(date +%s%N)" >> "$1"
                while :; do sleep 0.1; done""");
        command = "[\"" + script + "\", \"" + ledger + "\", \"" + hold + "\"]";
    }

    /** Lets every engine that got SIGTERM finish its stop. */
    private void release() throws Exception {
        Files.deleteIfExists(hold);
    }

    private String engine(String name) {
        return program(name, command, "start_secs = \"0s\"", "stop_timeout = \"20s\"");
    }

    /** A program that is no engine, so that no reload here removes every program. */
    private static String other() {
        return program("other", "[\"sleep\", \"300\"]", "start_secs = \"0s\"");
    }

    private record Entry(String what, String program, int pid, long nanos) {
    }

    private List<Entry> ledger() throws Exception {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(ledger)) {
            String[] f = line.split(" ");
            out.add(new Entry(f[0], f[1], Integer.parseInt(f[2]), Long.parseLong(f[3])));
        }
        return out;
    }

    /** No start of the engine binary while another instance of it had started and not exited yet. */
    private void assertNeverTwo() throws Exception {
        List<Entry> entries = ledger();
        entries.sort((x, y) -> Long.compare(x.nanos(), y.nanos()));
        List<Integer> alive = new ArrayList<>();
        for (Entry e : entries) {
            if (e.what().equals("start")) {
                assertTrue(alive.isEmpty(), "two copies of the engine: " + e + " started while pid " + alive
                        + " had not exited; ledger " + entries);
                alive.add(e.pid());
            } else {
                alive.remove(Integer.valueOf(e.pid()));
            }
        }
    }

    private long starts(String name) throws Exception {
        return ledger().stream().filter(e -> e.what().equals("start") && e.program().equals(name)).count();
    }

    /** A reload that answers while the old engine is held in its stop (one that waited would hang here). */
    private void reload(InProcessAgent a, String programs) throws Exception {
        a.config(programs);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            a.agent.reload();
            a.drain();
        }, "the reload waited for the old engine's stop");
    }

    private InProcessAgent running(String programs, String engine) throws Exception {
        InProcessAgent a = new InProcessAgent(dir).config(programs).start();
        a.awaitState(engine, ProcessState.RUNNING);
        await().atMost(Duration.ofSeconds(10)).until(() -> starts(engine) == 1);
        return a;
    }

    @Test
    void aRenamedEngineStartsOnlyOnceTheOldNameHasStopped() throws Exception {
        try (InProcessAgent a = running(other() + engine("cfe10"), "cfe10")) {
            reload(a, other() + engine("cfe10b"));
            Map<String, ProgramStatus> waiting = a.agent.statusByName(); // one snapshot, the old engine held
            assertEquals(ProcessState.STOPPING, waiting.get("cfe10").state());
            assertEquals(ProcessState.STOPPED, waiting.get("cfe10b").state());
            assertEquals("starts once [cfe10] (removed by a reload) stopped", waiting.get("cfe10b").hold());
            assertEquals(0, starts("cfe10b"));
            release();
            a.awaitState("cfe10b", ProcessState.RUNNING);
            assertNull(a.status("cfe10b").hold());
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10") == null);
            await().atMost(Duration.ofSeconds(10)).until(() -> starts("cfe10b") == 1);
            assertNeverTwo();
            assertEquals(0, a.stop());
        }
    }

    @Test
    void aRenameUndoneByTheNextReloadWhileTheOldEngineStopsStartsNothingTwice() throws Exception {
        try (InProcessAgent a = running(other() + engine("cfe10"), "cfe10")) {
            reload(a, other() + engine("cfe10b"));
            reload(a, other()); // the new name removed again before it could start
            release();
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10") == null);
            a.drain();
            assertNull(a.status("cfe10b"));
            assertEquals(0, starts("cfe10b"), "a program the newest config does not have never starts");
            assertNeverTwo();
            assertEquals(0, a.stop());
        }
    }

    @Test
    void aProgramPutBackUnderItsOldNameWhileItStopsStartsAfterTheOldInstance() throws Exception {
        try (InProcessAgent a = running(other() + engine("cfe10"), "cfe10")) {
            int old = a.status("cfe10").pid();
            reload(a, other());
            reload(a, other() + engine("cfe10"));
            // the name is the new instance's now: STOPPED until the old one, still held in its stop, is gone
            assertEquals(ProcessState.STOPPED, a.status("cfe10").state());
            assertEquals("starts once [cfe10] (removed by a reload) stopped", a.status("cfe10").hold());
            assertEquals(1, starts("cfe10"));
            release();
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10") != null
                    && a.status("cfe10").state() == ProcessState.RUNNING && a.status("cfe10").pid() != old);
            await().atMost(Duration.ofSeconds(10)).until(() -> starts("cfe10") == 2);
            assertNeverTwo();
            assertEquals(0, a.stop());
        }
    }

    @Test
    void anOperatorsStartOfTheNewNameWaitsForTheOldOne() throws Exception {
        try (InProcessAgent a = running(other() + engine("cfe10"), "cfe10")) {
            reload(a, other() + engine("cfe10b"));
            CompletableFuture<ActionResult> start = a.agent.control().start("cfe10b");
            a.drain();
            assertEquals(0, starts("cfe10b"), "the new name started while the old engine was still stopping");
            assertTrue(!start.isDone(), "the start answered before the new name could start: " + start);
            release();
            ActionResult started = start.get(30, TimeUnit.SECONDS);
            assertTrue(started.ok(), started.message());
            assertEquals(ProcessState.RUNNING, a.status("cfe10b").state());
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10") == null);
            await().atMost(Duration.ofSeconds(10)).until(() -> starts("cfe10b") == 1);
            a.drain();
            assertEquals(1, starts("cfe10b"));
            assertNeverTwo();
            assertEquals(0, a.stop());
        }
    }

    @Test
    void anOperatorsStartOfTheOldNameWhileItIsRemovedLeavesItDown() throws Exception {
        try (InProcessAgent a = running(other() + engine("cfe10"), "cfe10")) {
            reload(a, other() + engine("cfe10b"));
            CompletableFuture<ActionResult> start = a.agent.control().start("cfe10"); // answered once its stop is done
            a.drain();
            release();
            ActionResult started = start.get(30, TimeUnit.SECONDS);
            assertTrue(!started.ok() && started.message().contains("removed by a reload"), started.message());
            a.awaitState("cfe10b", ProcessState.RUNNING);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe10") == null);
            a.drain();
            assertEquals(1, starts("cfe10"), "the removed program was not started again");
            assertNeverTwo();
            assertEquals(0, a.stop());
        }
    }
}
