package dev.baton.process.os;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A posix_spawnattr_t for a child in a new session (pgid == sid == pid, no controlling terminal) with an empty
 * signal mask (JVM threads block some signals, SIGQUIT, and a child would otherwise inherit that mask) and every
 * signal at its default action except SIGPIPE and SIGXFSZ, which start ignored as under supervisord (Python ignores
 * both before it forks a program: SigIgn 0x1001000) and, for SIGPIPE, under systemd (IgnoreSIGPIPE=yes); a program
 * with {@code ignore_sigpipe = false} gets SIGPIPE at its default too.
 *
 * <p>How SIG_IGN reaches the child: posix_spawn cannot set a disposition to SIG_IGN, it only resets the signals of
 * the sigdefault set to SIG_DFL and keeps the parent's SIG_IGN for the others (a handler becomes SIG_DFL, as at
 * exec). HotSpot's handler for SIGPIPE and SIGXFSZ only ignores them (signals_posix.cpp: "Ignore SIGPIPE and
 * SIGXFSZ"), so the agent sets both to SIG_IGN itself: nothing changes for the JVM (a write to a closed pipe fails
 * with EPIPE either way: the agent never dies of SIGPIPE), and leaving a signal out of the sigdefault set then
 * keeps it ignored in the child. Checked at every spawn, not once: a handler installed since (by a library) would
 * otherwise silently become SIG_DFL in the children. Only -Xcheck:jni notices (it warns the handler changed).
 */
final class SpawnAttributes implements AutoCloseable {
    private final Pointer attributes = Memory.allocateDirect(LibC.runtime(), LibC.OPAQUE_STRUCT_SIZE, true);

    private SpawnAttributes() {
    }

    /** @param ignoreSigpipe the child starts with SIGPIPE ignored (false: at its default, terminating) */
    static SpawnAttributes newSession(boolean ignoreSigpipe) throws SpawnException {
        ignoreInAgent(Signals.SIGPIPE);
        ignoreInAgent(Signals.SIGXFSZ);
        SpawnAttributes sa = new SpawnAttributes();
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_init(sa.attributes), "posix_spawnattr_init");
        try {
            sa.configure(ignoreSigpipe);
            return sa;
        } catch (SpawnException e) {
            sa.close();
            throw e;
        }
    }

    private void configure(boolean ignoreSigpipe) throws SpawnException {
        // posix_spawnattr_setsigmask/setsigdefault copy the sets, so these may be freed afterwards
        Pointer empty = Memory.allocateDirect(LibC.runtime(), LibC.SIGSET_SIZE, true);
        Pointer full = Memory.allocateDirect(LibC.runtime(), LibC.SIGSET_SIZE, true);
        LibC.INSTANCE.sigemptyset(empty);
        LibC.INSTANCE.sigfillset(full);
        // sigfillset leaves out glibc's internal signals 32 and 33, which posix_spawn then sets to SIG_IGN in the
        // child, and an ignored signal stays ignored across exec. Signal n is bit n-1 of the first 64-bit word:
        // set all 64 so every kernel signal starts at its default (SIGKILL/SIGSTOP are skipped by the kernel),
        // but for the ones left ignored (see the class comment).
        long defaults = -1L & ~bit(Signals.SIGXFSZ);
        if (ignoreSigpipe) {
            defaults &= ~bit(Signals.SIGPIPE);
        }
        full.putLong(0, defaults);
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_setsigmask(attributes, empty), "posix_spawnattr_setsigmask");
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_setsigdefault(attributes, full),
                "posix_spawnattr_setsigdefault");
        short flags = (short) (LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_setflags(attributes, flags), "posix_spawnattr_setflags");
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /** Sets the agent's own disposition of {@code signal} to SIG_IGN unless it already is. */
    static void ignoreInAgent(int signal) throws SpawnException {
        Pointer current = Memory.allocateDirect(LibC.runtime(), LibC.SIGACTION_SIZE, true);
        if (LibC.INSTANCE.sigaction(signal, null, current) != 0) {
            int errno = LibC.errno();
            throw new SpawnException("sigaction(" + Signals.name(signal) + ") failed: " + ErrorNumbers.describe(errno),
                    errno);
        }
        if (current.getLong(0) == LibC.SIG_IGN) {
            return;
        }
        Pointer ignore = Memory.allocateDirect(LibC.runtime(), LibC.SIGACTION_SIZE, true); // empty mask, no flags
        ignore.putLong(0, LibC.SIG_IGN);
        if (LibC.INSTANCE.sigaction(signal, ignore, null) != 0) {
            int errno = LibC.errno();
            throw new SpawnException("cannot ignore " + Signals.name(signal) + " for the children: "
                    + ErrorNumbers.describe(errno), errno);
        }
    }

    Pointer pointer() {
        return attributes;
    }

    @Override
    public void close() {
        LibC.INSTANCE.posix_spawnattr_destroy(attributes);
    }
}
