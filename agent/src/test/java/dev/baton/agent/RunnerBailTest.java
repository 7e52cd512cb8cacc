package dev.baton.agent;

import static dev.baton.agent.HandoverTest.awaitRoles;
import static dev.baton.agent.HandoverTest.group;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.control.HandoverRecord;
import dev.baton.hardening.Fixtures;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way the Chainflip 1.4+ runner ends (engine-runner-bin/src/main.rs): each {@code bail!} prints
 * {@code Error: <text>} on stderr after its info line on stdout and exits 1, relying on its supervisor
 * to restart it. The bails a restart cannot cure are held with the fix in the group error and the
 * program's status; the others are restarted with backoff, the runner's words kept in the history.
 */
class RunnerBailTest {
    private static final String FIRST_RUN = "echo 'The new version has exited with exit status: ExitStatus { status_code: %s, at_block: 0 }'\n";
    private static final String RUNS_OLD = FIRST_RUN.formatted("2")
            + "echo 'The latest version 1.5.0 is not yet compatible. Running the old version 1.4.2...'\n";

    @TempDir
    Path dir;

    // Rust's main returning an error prints "Error: <its text>" on stderr and exits 1: the bail lines.
    /** A runner that prints {@code stdout}, then its last line on stderr, and exits like the real one. */
    private String runner(String name, String stdout, String stderr, int exit) throws Exception {
        Path p = Fixtures.script(dir, name + ".sh", stdout + "echo '" + stderr + "' >&2\nexit " + exit);
        return "[groups." + name + "]\nprofile = \"chainflip\"\n"
                + Fixtures.program(name, Fixtures.argv(p), "engine_group = \"" + name + "\"", Fixtures.FAST_ENGINE);
    }

    @Test
    void eachBailIsHeldOrRestarted() throws Exception {
        // After the switch the real runner's restart runs the new library first, now compatible: silent.
        Path switched = dir.resolve("switched");
        Path afterSwitch = Fixtures.script(dir, "after-switch.sh", """
                if [ -f '%s' ]; then exec sleep 600; fi
                touch '%s'
                %secho 'Old version has exited with exit status: ExitStatus { status_code: 1, at_block: 5120 }'
                echo 'Switching to the new version 1.5.0 after the old version 1.4.2 is no longer compatible.'
                echo 'Error: New version has exited with exit status: ExitStatus { status_code: -1, at_block: 0 }' >&2
                exit 1""".formatted(switched, switched, RUNS_OLD));
        String config = runner("update", FIRST_RUN.formatted("1"), "Error: You need to update your CFE. The current version of the CFE"
                        + " you are running is not compatible with the latest runtime update.", 1)
                + runner("settings", FIRST_RUN.formatted("-3") + "echo 'Error reading settings: missing field `eth`' >&2\n",
                        "Error: An error has occurred running the new version on first run with exit status: ExitStatus { status_code: -3, at_block: 0 }", 1)
                + runner("nolib", "", "engine-runner: error while loading shared libraries: libchainflip_engine_v1_5_0.so:"
                        + " cannot open shared object file: No such file or directory", 127)
                + runner("newpanic", FIRST_RUN.formatted("-1"),
                        "Error: An error has occurred running the new version on first run with exit status: ExitStatus { status_code: -1, at_block: 0 }", 1)
                + runner("olderror", RUNS_OLD + "echo 'Old version has exited with exit status: ExitStatus { status_code: -2, at_block: 0 }'\n",
                        "Error: An error has occurred running the old version with exit status: ExitStatus { status_code: -2, at_block: 0 }", 1)
                + "[groups.switch]\nprofile = \"chainflip\"\n"
                + Fixtures.program("switch", Fixtures.argv(afterSwitch), "engine_group = \"switch\"", Fixtures.FAST_ENGINE);
        try (InProcessAgent a = new InProcessAgent(dir).config(config).start()) {
            assertHeld(a, "update", "You need to update your CFE", "install the chainflip-engine package that carries an engine"
                    + " compatible with the runtime (the newest release), then baton start update");
            assertHeld(a, "settings", "status_code: -3", "fix the engine settings the line before names (Settings.toml under"
                    + " --config-root, the command line or a CF_ environment variable), then baton start settings");
            assertHeld(a, "nolib", "error while loading shared libraries: libchainflip_engine_v1_5_0.so",
                    "reinstall the chainflip-engine package (its engine libraries live in /usr/lib/chainflip-engine), then baton start nolib");

            assertRestarted(a, "newpanic", "Error: An error has occurred running the new version on first run with exit status: ExitStatus"
                    + " { status_code: -1, at_block: 0 }");
            assertRestarted(a, "olderror", "Error: An error has occurred running the old version with exit status: ExitStatus"
                    + " { status_code: -2, at_block: 0 }");

            // The switch, then the new library's exit: restarted once, and it runs.
            await().atMost(Duration.ofSeconds(60)).until(() -> a.status("switch").restarts() == 1
                    && a.status("switch").state() == ProcessState.RUNNING);
            assertEquals(1, exits(a, "switch").size());
            assertTrue(exits(a, "switch").get(0).message().contains("\"Error: New version has exited with exit status: ExitStatus"
                    + " { status_code: -1, at_block: 0 }\""), exits(a, "switch").get(0).message());
            assertTrue(a.agent.handover().history(10_000).stream().anyMatch(r -> r.kind().equals("ENGINE_SWITCHED")));
            assertNull(group(a, "switch").orElseThrow().error());
        }
    }

    /** Held at its first exit: never restarted by its policy, the engine in error, the fix in the group error and status. */
    private static void assertHeld(InProcessAgent a, String program, String said, String fix) {
        awaitRoles(a, program, program, "ERROR");
        ProgramStatus s = a.awaitState(program, ProcessState.EXITED);
        assertEquals(0, s.restarts(), program + " restarted by its policy");
        String error = group(a, program).orElseThrow().error();
        assertTrue(error.contains(said) && error.endsWith(": " + fix), error);
        assertTrue(s.hold() != null && s.hold().endsWith(fix), String.valueOf(s.hold()));
        assertTrue(exits(a, program).isEmpty(), program + " recorded as a plain exit");
    }

    /** Restarted with backoff, again and again; the history keeps what it said (its whole line) once, counted. */
    private static void assertRestarted(InProcessAgent a, String program, String said) {
        await().atMost(Duration.ofSeconds(60)).until(() -> a.status(program).restarts() >= 2
                && exits(a, program).stream().mapToInt(HandoverRecord::count).sum() >= 2);
        List<HandoverRecord> exits = exits(a, program);
        assertEquals(1, exits.size(), exits.toString());
        assertTrue(exits.get(0).message().contains("\"" + said + "\""), exits.get(0).message());
        assertNull(group(a, program).orElseThrow().error());
        assertTrue(a.agent.handover().history(10_000).stream().noneMatch(r -> r.kind().equals("DO_NOT_RESTART")
                && program.equals(r.program())));
    }

    private static List<HandoverRecord> exits(InProcessAgent a, String program) {
        return a.agent.handover().history(10_000).stream()
                .filter(r -> r.kind().equals("ENGINE_EXITING") && program.equals(r.program())).toList();
    }
}
