package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.agent.Agent;
import dev.baton.agent.InProcessAgent;
import dev.baton.control.ReloadResult;
import dev.baton.process.ProcessState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload never stops programs because a config file was emptied or a drop-in cannot be read:
 * an empty or BOM-only main file (no programs where programs ran) is refused with the reason
 * unless forced; a dangling or looping {@code conf.d} link is a problem, not "no drop-ins".
 */
class ReloadGuardTest {
    @TempDir
    Path dir;

    private Path main() {
        return dir.resolve("baton.toml");
    }

    private String mainText() {
        return Fixtures.agent(dir.resolve("state")) + program("inmain", argv("sleep", "100000"), "start_secs = \"0s\"");
    }

    @Test
    void emptiedMainFileOrUnreadableDropInsNeverStopPrograms() throws Exception {
        Path confd = dir.resolve("conf.d");
        Path realDropIns = dir.resolve("drop-ins");
        Files.createDirectories(realDropIns);
        Files.writeString(realDropIns.resolve("10-x.toml"), program("indropin", argv("sleep", "100001"), "start_secs = \"0s\""));
        Files.createSymbolicLink(confd, realDropIns);
        Files.createDirectories(dir.resolve("empty"));
        Files.writeString(main(), mainText());
        try (InProcessAgent a = InProcessAgent.forConfig(main()).start()) {
            int inMain = a.awaitState("inmain", ProcessState.RUNNING).pid();
            int inDropIn = a.awaitState("indropin", ProcessState.RUNNING).pid();

            record Damage(String what, Runnable apply, String reason) {
            }
            List<Damage> damages = List.of(
                    new Damage("empty main file", () -> write(main(), new byte[0]), "is empty now (nothing but blanks"),
                    new Damage("BOM-only main file", () -> write(main(), new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}),
                            "is empty"),
                    new Damage("no program left anywhere", () -> {
                        write(main(), Fixtures.agent(dir.resolve("state")).getBytes(StandardCharsets.UTF_8));
                        relink(confd, dir.resolve("empty"));
                    }, "removes every program (2 now)"),
                    new Damage("dangling conf.d link", () -> relink(confd, dir.resolve("gone")),
                            "conf.d: is a symbolic link that leads nowhere"),
                    new Damage("looping conf.d link", () -> relink(confd, confd), "conf.d: is a symbolic link that leads nowhere"));
            for (Damage d : damages) {
                d.apply().run();
                ReloadResult r = a.agent().control().reload();
                assertFalse(r.ok(), d.what() + ": " + r);
                assertTrue(String.join("\n", r.problems()).contains(d.reason()), d.what() + ": " + r.problems());
                assertEquals(inMain, a.status("inmain").pid(), d.what());
                assertEquals(inDropIn, a.status("indropin").pid(), d.what());
                write(main(), mainText().getBytes(StandardCharsets.UTF_8));
                relink(confd, realDropIns);
                assertTrue(a.agent().control().reload().ok(), "restored after " + d.what());
            }
            // The refusal names the way out; forced, the emptied config is applied.
            write(main(), new byte[0]);
            assertTrue(String.join("", a.agent().control().reload().problems()).contains("baton reload --force"));
            ReloadResult forced = a.agent().control().reload(true);
            assertTrue(forced.ok() && forced.removed().equals(List.of("inmain")), forced.toString());
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("inmain") == null);
            assertEquals(inDropIn, a.status("indropin").pid());
            assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
        }
    }

    /**
     * A drop-in emptied (truncated by a full disk or a botched deploy) would remove the programs it defines:
     * refused like an emptied main file, unless forced. A file that was empty already when the running config
     * was read (a drop-in kept for comments, or one emptied by a forced reload) does not block later reloads.
     */
    @Test
    void anEmptiedDropInNeverStopsItsProgramsAndAnEmptyFileNeverBlocksReloads() throws Exception {
        Path confd = dir.resolve("conf.d");
        Files.createDirectories(confd);
        Files.writeString(main(), Fixtures.agent(dir.resolve("state")));
        Files.writeString(confd.resolve("00-notes.toml"), "# the engines moved to 20-engine.toml\n");
        Files.writeString(confd.resolve("10-node.toml"), program("node", argv("sleep", "100000"), "start_secs = \"0s\""));
        Files.writeString(confd.resolve("20-engine.toml"), program("engine", argv("sleep", "100001"), "start_secs = \"0s\""));
        try (InProcessAgent a = InProcessAgent.forConfig(main()).start()) {
            int node = a.awaitState("node", ProcessState.RUNNING).pid();
            int engine = a.awaitState("engine", ProcessState.RUNNING).pid();

            write(confd.resolve("20-engine.toml"), new byte[0]);
            ReloadResult r = a.agent().control().reload();
            assertFalse(r.ok(), r.toString());
            assertTrue(String.join("\n", r.problems()).contains(confd.resolve("20-engine.toml") + " is empty now"),
                    r.problems().toString());
            assertTrue(String.join("\n", r.problems()).contains("baton reload --force"), r.problems().toString());
            assertEquals(engine, a.status("engine").pid(), "the engine keeps running");
            assertEquals(node, a.status("node").pid());

            // Forced, it is applied; from then on the empty drop-in is how the config is, and reloads go through.
            ReloadResult forced = a.agent().control().reload(true);
            assertTrue(forced.ok() && forced.removed().equals(List.of("engine")), forced.toString());
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("engine") == null);
            Files.writeString(confd.resolve("30-extra.toml"), program("extra", argv("sleep", "100002"), "start_secs = \"0s\""));
            ReloadResult added = a.agent().control().reload();
            assertTrue(added.ok() && added.added().equals(List.of("extra")), added.toString());
            assertEquals(node, a.status("node").pid());
            assertTrue(a.stop() <= Agent.EXIT_UNCLEAN);
        }
    }

    private static void write(Path p, byte[] bytes) {
        try {
            Files.write(p, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void relink(Path link, Path target) {
        try {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, target);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
