package dev.baton.process.os;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A posix_spawnattr_t for a child in a new session (pgid == sid == pid, no controlling terminal) with an empty
 * signal mask and every signal at its default action: JVM threads block some signals (SIGQUIT) and a child would
 * otherwise inherit that mask.
 */
final class SpawnAttributes implements AutoCloseable {
    private final Pointer attributes = Memory.allocateDirect(LibC.runtime(), LibC.OPAQUE_STRUCT_SIZE, true);

    private SpawnAttributes() {
    }

    static SpawnAttributes newSessionWithDefaultSignals() throws SpawnException {
        SpawnAttributes sa = new SpawnAttributes();
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_init(sa.attributes), "posix_spawnattr_init");
        try {
            sa.configure();
            return sa;
        } catch (SpawnException e) {
            sa.close();
            throw e;
        }
    }

    private void configure() throws SpawnException {
        // posix_spawnattr_setsigmask/setsigdefault copy the sets, so these may be freed afterwards
        Pointer empty = Memory.allocateDirect(LibC.runtime(), LibC.SIGSET_SIZE, true);
        Pointer full = Memory.allocateDirect(LibC.runtime(), LibC.SIGSET_SIZE, true);
        LibC.INSTANCE.sigemptyset(empty);
        LibC.INSTANCE.sigfillset(full);
        // sigfillset leaves out glibc's internal signals 32 and 33, which posix_spawn then sets to SIG_IGN in the
        // child, and an ignored signal stays ignored across exec. Signal n is bit n-1 of the first 64-bit word:
        // set all 64 so every kernel signal starts at its default (SIGKILL/SIGSTOP are skipped by the kernel).
        full.putLong(0, -1L);
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_setsigmask(attributes, empty), "posix_spawnattr_setsigmask");
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_setsigdefault(attributes, full),
                "posix_spawnattr_setsigdefault");
        short flags = (short) (LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
        ErrorNumbers.check(LibC.INSTANCE.posix_spawnattr_setflags(attributes, flags), "posix_spawnattr_setflags");
    }

    Pointer pointer() {
        return attributes;
    }

    @Override
    public void close() {
        LibC.INSTANCE.posix_spawnattr_destroy(attributes);
    }
}
