package dev.baton.agent;

import static dev.baton.agent.HandoverTest.awaitRoles;
import static dev.baton.agent.HandoverTest.role;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.hardening.Fixtures;
import dev.baton.process.ProcessState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upgrade-day transcripts the other tests do not print: Chainflip's lines as other engine versions
 * and other log setups write them (1.2's wording, the plain tracing format with ANSI colours, CRLF,
 * a line in two writes), an engine crash-looping at the upgrade, version numbers past 9. A shell
 * stand-in per engine (no JVM) reads the chain's release from a file; each test ends with exactly
 * one engine working, the one of the release.
 */
class UpgradeTranscriptsTest {
    @TempDir
    Path dir;

    private Path release;

    /**
     * Chainflip's engine as a shell loop; {@code style} is a list of words: {@code ansi} (the plain
     * tracing format, coloured; else JSON with a span list), {@code crlf}, {@code split} (every line in
     * two writes), {@code v12} (1.2's wording: "at block N: 0x..", and at the upgrade only the plain
     * "Exiting ... is incompatible ..." line, exit 0), {@code crash} (while waiting, exits 1 after three
     * WAITING lines), {@code slowstop} (takes 2 s to stop, as an engine closing its connections does).
     */
    private Path engineScript() throws Exception {
        return engineScript(dir);
    }

    static Path engineScript(Path dir) throws Exception {
        return Fixtures.script(dir, "cfe-styles.sh", """
                own="$1"; rel_file="$2"; style="$3"
                E=$(printf '\\033'); CR=$(printf '\\r')
                has() { case " $style " in *" $1 "*) return 0;; esac; return 1; }
                emit() {
                  l="$1"; if has crlf; then l="$l$CR"; fi
                  if has split; then
                    printf '%s' "$l" | cut -c1-40 | tr -d '\\n'; sleep 0.05
                    printf '%s\\n' "$(printf '%s' "$l" | cut -c41-)"
                  else printf '%s\\n' "$l"; fi
                }
                say() {
                  if has ansi; then
                    emit "${E}[2m2024-05-01T10:00:00.000000Z${E}[0m ${E}[32m $1${E}[0m ${E}[2mchainflip_engine::state_chain_observer::client${E}[0m${E}[2m:${E}[0m $2"
                  else
                    emit '{"timestamp":"2024-05-01T10:00:00.000000Z","level":"'"$1"'","fields":{"message":"'"$2"'"},"target":"chainflip_engine::state_chain_observer::client","spans":[{"name":"sc_client","message":"x"}]}'
                  fi
                }
                at() { if has v12; then echo "at block $1: 0x00ff$1"; else echo "at block: 0x00ff$1"; fi; }
                emit "Starting chainflip-engine v$own (CI Build: \\"transcripts\\")"
                block=0; active=0; waited=0
                if has slowstop; then trap "trap '' TERM; sleep 2; exit 0" TERM; else trap 'exit 0' TERM; fi
                while :; do
                  rel=$(cat "$rel_file" 2>/dev/null)
                  block=$((block+1))
                  if [ "${own%.*}" = "${rel%.*}" ]; then
                    if [ $active = 0 ]; then say INFO "Initialised StateChainClient at block \\`$block\\`; block hash: \\`0x00ff$block\\`"; active=1; fi
                  elif [ $active = 1 ]; then
                    if has v12; then
                      emit "Exiting chainflip-engine due to error: This version '$own' is incompatible with the current release '$rel' $(at $block)."
                    else
                      say ERROR "This version '$own' is no longer compatible with the release version '$rel' $(at $block)"
                      emit "Exiting chainflip-engine due to error: This version '$own' is no longer compatible with the release version '$rel' $(at $block)"
                    fi
                    exit 0
                  else
                    say INFO "This version '$own' is incompatible with the current release '$rel' $(at $block). WAITING for a compatible release version."
                    waited=$((waited+1))
                    if has crash && [ $waited -ge 3 ]; then emit "Exiting chainflip-engine due to panic: crashed while waiting"; exit 1; fi
                  fi
                  sleep 0.2 & wait $!
                done""");
    }

    private String engine(Path script, String name, String version, String style) {
        return Fixtures.program(name, Fixtures.argv(script, version, release, style), "engine_group = \"chainflip\"",
                Fixtures.FAST_ENGINE);
    }

    private InProcessAgent agent(String programs) throws Exception {
        release = dir.resolve("release");
        Files.writeString(release, "1.0.0\n");
        return new InProcessAgent(dir).config(programs.replace("RELEASE", release.toString())).start();
    }

    private void setRelease(String version) throws Exception {
        Path tmp = dir.resolve("release.tmp");
        Files.writeString(tmp, version + "\n");
        Files.move(tmp, release, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The one engine of the release works, every other one is idled and has no process. */
    private static void awaitHandedOver(InProcessAgent a, String active, String... idled) {
        awaitRoles(a, "chainflip", active, "ACTIVE");
        for (String old : idled) {
            awaitRoles(a, "chainflip", old, "IDLE");
            a.awaitState(old, ProcessState.STOPPED);
        }
        assertEquals(ProcessState.RUNNING, a.status(active).state());
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "ansi", "ansi crlf", "json crlf split", "v12", "v12 ansi split"})
    void theHandoverReadsEveryWayTheLinesAreWritten(String style) throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", style) + engine(cfe, "cfe11", "1.1.0", style))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            setRelease("1.1.0");
            awaitHandedOver(a, "cfe11", "cfe10");
            setRelease("1.0.0"); // a rollback, then the upgrade again
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            setRelease("1.1.0");
            awaitHandedOver(a, "cfe11", "cfe10");
            assertEquals(0, a.stop());
        }
    }

    @Test
    void aPatchReleaseInstalledBesideItsEngineIsNeverLiveTwice() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", "json") + engine(cfe, "cfe10patch", "1.0.4", "json"))) {
            awaitHandedOver(a, "cfe10patch", "cfe10"); // both serve release 1.0 and both say so: the older is idled
            assertEquals(0, a.stop());
        }
    }

    @Test
    void versionsPastNineAndAPreReleaseHandOverInOrder() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe19", "1.9.2", "json") + engine(cfe, "cfe110", "1.10.0", "json")
                + engine(cfe, "cfe111", "1.11.0-rc1", "json"))) {
            setRelease("1.9.0");
            awaitRoles(a, "chainflip", "cfe19", "ACTIVE", "cfe110", "WAITING", "cfe111", "WAITING");
            setRelease("1.10.0");
            awaitHandedOver(a, "cfe110", "cfe19");
            assertEquals("WAITING", role(a, "chainflip", "cfe111"));
            setRelease("1.11.0");
            awaitHandedOver(a, "cfe111", "cfe19", "cfe110");
            assertEquals(0, a.stop());
        }
    }

    @Test
    void aSuccessorCrashLoopingWhileItWaitsTakesOverOnceItRunsAtTheNewRelease() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", "json") + engine(cfe, "cfe11", "1.1.0", "json crash"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE");
            await().atMost(Duration.ofSeconds(30)).until(() -> a.status("cfe11").restarts() >= 2);
            setRelease("1.1.0");
            awaitHandedOver(a, "cfe11", "cfe10");
            assertNotEquals("IDLE", role(a, "chainflip", "cfe11"));
            assertEquals(0, a.stop());
        }
    }

    @Test
    void threeVersionsAndAJumpOfTwoMinors() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", "v12") + engine(cfe, "cfe11", "1.1.0", "v12")
                + engine(cfe, "cfe12", "1.2.0", "v12"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING", "cfe12", "WAITING");
            setRelease("1.2.0");
            awaitHandedOver(a, "cfe12", "cfe10", "cfe11");
            for (String p : List.of("cfe10", "cfe11")) {
                assertEquals(ProcessState.STOPPED, a.status(p).state());
            }
            assertEquals(0, a.stop());
        }
    }

    @Test
    void aSuccessorAnOperatorIsStoppingWhenTheUpgradeLandsIsNoSuccessor() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", "json") + engine(cfe, "cfe11", "1.1.0", "json slowstop"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            a.onLoop(() -> {
                Supervisor s = a.agent.supervisor();
                s.stop(s.program("cfe11"), null); // takes 2 s: the upgrade lands meanwhile
                return null;
            });
            a.awaitState("cfe11", ProcessState.STOPPING);
            setRelease("1.1.0");
            a.awaitState("cfe11", ProcessState.STOPPED);
            await().atMost(Duration.ofSeconds(30)).until(() -> HandoverTest.group(a, "chainflip").orElseThrow().error() != null);
            String error = HandoverTest.group(a, "chainflip").orElseThrow().error();
            assertTrue(error.contains("cfe11 (1.1.0) was stopped by an operator: start it (baton start cfe11)"), error);
            assertNotEquals("IDLE", role(a, "chainflip", "cfe10"), "the old engine idled for a successor on its way out");
            a.awaitState("cfe10", ProcessState.RUNNING); // exited 0 at the upgrade, restarted by its policy: kept

            a.operatorStart("cfe11");
            awaitHandedOver(a, "cfe11", "cfe10");
            assertEquals(0, a.stop());
        }
    }

    @Test
    void operatorsRestartingEitherEngineAsTheUpgradeLandsEndWithTheNewOneWorking() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", "json slowstop") + engine(cfe, "cfe11", "1.1.0", "json slowstop"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            a.onLoop(() -> a.agent.control().restart("cfe11"));
            a.awaitState("cfe11", ProcessState.STOPPING);
            setRelease("1.1.0");
            awaitHandedOver(a, "cfe11", "cfe10");

            setRelease("1.0.0");
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            a.onLoop(() -> a.agent.control().restart("cfe10")); // the working one, as the next upgrade lands
            a.awaitState("cfe10", ProcessState.STOPPING);
            setRelease("1.1.0");
            awaitHandedOver(a, "cfe11", "cfe10");
            assertEquals(0, a.stop());
        }
    }

    @Test
    void aRollbackWhileTheIdledEngineIsStillStoppingStartsItOnceItHasStopped() throws Exception {
        release = dir.resolve("release");
        Path cfe = engineScript();
        try (InProcessAgent a = agent(engine(cfe, "cfe10", "1.0.3", "json slowstop") + engine(cfe, "cfe11", "1.1.0", "json"))) {
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            // The successor is down at the upgrade: the old engine exits 0 and is restarted into Chainflip's idle mode
            a.operatorStop("cfe11");
            a.awaitState("cfe11", ProcessState.STOPPED);
            setRelease("1.1.0");
            await().atMost(Duration.ofSeconds(30)).until(() -> HandoverTest.group(a, "chainflip").orElseThrow().error() != null);
            awaitRoles(a, "chainflip", "cfe10", "SUPERSEDED");
            a.awaitState("cfe10", ProcessState.RUNNING);
            // The successor comes back: cfe10 is idled, and takes 2 s to stop; the release goes back meanwhile
            a.operatorStart("cfe11");
            awaitRoles(a, "chainflip", "cfe10", "IDLE");
            setRelease("1.0.0");
            await().atMost(Duration.ofSeconds(30)).until(() -> HandoverTest.group(a, "chainflip").orElseThrow().release().equals("1.0.0"));
            awaitRoles(a, "chainflip", "cfe10", "ACTIVE", "cfe11", "WAITING");
            assertEquals(ProcessState.RUNNING, a.status("cfe10").state());
            assertEquals(0, a.stop());
        }
    }
}
