package dev.baton.agent;

import dev.baton.agent.state.StateFile;
import dev.baton.logs.PendingLine;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.BootId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code reexec.json} in the state directory: what an agent that re-executes itself in place
 * ({@code baton reexec}) hands to its next version, which adopts the running programs instead of
 * ending them as stale instances. Written mode 0600 right before the exec; read once and deleted
 * at the next start. It is believed only when it names this very process (pid), this boot, and
 * carries the nonce the exec passed in the environment ({@link #NONCE_ENV}): a planted or
 * leftover file is never adopted, its programs are ended as stale, as after any restart.
 * {@code ended}: the programs that had ended (EXITED, FATAL; name to how), which the new version
 * leaves down instead of starting them (may be null). {@code shown}: what each program's status
 * said besides its process (may be null: an agent of before this field).
 */
record ReexecHandoff(int version, int agentPid, String bootId, String nonce, String fromVersion,
                     List<Handed> instances, Map<String, String> ended, Map<String, Shown> shown) {
    static final int VERSION = 1;
    static final String FILE = "reexec.json";
    /** The nonce, in the new agent's environment only (never passed on to programs). */
    static final String NONCE_ENV = "BATON_REEXEC_NONCE";
    private static final Logger log = LoggerFactory.getLogger(ReexecHandoff.class);

    /**
     * One running instance handed over.
     *
     * @param stdoutFd the read end of its stdout pipe, open across the exec (-1: none)
     * @param stderrFd the same for stderr
     * @param cgroup   its cgroup directory, or null
     * @param stdoutPending what was read of a stdout line not ended yet (null: none; an agent of
     *                      before this field reads none, and splits such a line in two)
     * @param stderrPending the same for stderr
     */
    record Handed(String program, int pid, long startTime, String tag, long startedNanos, String startedAt,
                  int stdoutFd, int stderrFd, String cgroup, PendingLine stdoutPending, PendingLine stderrPending) {
    }

    /**
     * What a program's status showed that is not its process, so that the next version shows the
     * same: its state (an ended program stays EXITED or FATAL, with its alert and its /readyz
     * reason), since when, how its last process ended and why it last failed.
     *
     * @param exitCode   the last exit's code, -1 when killed by a signal; null before the first exit
     * @param exitSignal the signal that killed it, 0 when it exited
     */
    record Shown(String state, String since, Integer exitCode, Integer exitSignal, String lastExitAt,
                 String lastError) {
        static Shown of(ProgramStatus s) {
            ExitStatus x = s.lastExit();
            return new Shown(s.state().name(), s.since() == null ? null : s.since().toString(), x == null ? null : x.code(),
                    x == null ? null : x.signal(), s.lastExitAt() == null ? null : s.lastExitAt().toString(),
                    s.lastError());
        }

        ExitStatus lastExit() {
            return exitCode == null || exitSignal == null ? null : new ExitStatus(exitCode, exitSignal);
        }
    }

    static String newNonce() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Written durably, mode 0600, never through a link (see {@link StateFile#writeAtomically}). */
    void write(Path stateDir) throws IOException {
        byte[] json = StateFile.JSON.writeValueAsBytes(this);
        StateFile.writeAtomically(stateDir.resolve(FILE), ByteBuffer.wrap(json), true,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    static void delete(Path stateDir) {
        try {
            Files.deleteIfExists(stateDir.resolve(FILE));
        } catch (IOException e) {
            log.error("reexec: cannot remove {}: {}", stateDir.resolve(FILE), e.getMessage());
        }
    }

    /**
     * At start: the handoff meant for this process, or empty (none, or one that is not believed:
     * said in the log). The file is deleted in every case.
     */
    static Optional<ReexecHandoff> take(Path stateDir, Map<String, String> env, int ownPid) {
        Path file = stateDir.resolve(FILE);
        String nonce = env.get(NONCE_ENV);
        byte[] bytes;
        try {
            bytes = StateFile.readBounded(file);
        } catch (NoSuchFileException e) {
            if (nonce != null) {
                log.error("reexec: started by a re-exec, but {} is missing: nothing is adopted, what ran is ended "
                        + "as stale and started again", file);
            }
            return Optional.empty();
        } catch (IOException e) {
            log.error("reexec: {} cannot be read ({}): nothing is adopted", file, e.getMessage());
            delete(stateDir);
            return Optional.empty();
        } finally {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                delete(stateDir);
            }
        }
        ReexecHandoff h;
        try {
            h = StateFile.JSON.readValue(bytes, ReexecHandoff.class);
        } catch (IOException | RuntimeException e) {
            log.error("reexec: {} does not parse ({}): nothing is adopted, its programs are ended as stale", file,
                    String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return Optional.empty();
        }
        String why = h == null ? "empty" : h.whyNotMine(nonce, ownPid, BootId.current());
        if (why != null) {
            log.error("reexec: {} is not adopted ({}): its programs are ended as stale", file, why);
            return Optional.empty();
        }
        return Optional.of(h);
    }

    /** Why this handoff was not written for this process, or null. */
    String whyNotMine(String expectedNonce, int ownPid, String ownBootId) {
        if (version != VERSION) {
            return "format version " + version + ", this agent reads " + VERSION;
        }
        if (expectedNonce == null) {
            return "this agent was not started by a re-exec (no " + NONCE_ENV + ")";
        }
        if (!expectedNonce.equals(nonce)) {
            return "its nonce is not the one this re-exec passed";
        }
        if (agentPid != ownPid) {
            return "written by pid " + agentPid + ", this agent is pid " + ownPid;
        }
        if (!ownBootId.equals(bootId)) {
            return "written before the last boot";
        }
        return instances == null ? "no instance list" : null;
    }
}
