package dev.baton.hardening;

import java.nio.file.Path;
import jnr.ffi.LibraryLoader;

/**
 * mount(2) straight from the test JVM (no mount(8) child: a class with an in-process agent must
 * not start processes). Needs root with CAP_SYS_ADMIN; tests skip themselves otherwise.
 */
final class Mounts {
    public interface LibC {
        int mount(String source, String target, String fstype, long flags, String data);

        int umount2(String target, int flags);
    }

    private static final LibC C = LibraryLoader.create(LibC.class).load("c");
    static final long MS_RDONLY = 1;
    static final long MS_REMOUNT = 32;
    static final int MNT_DETACH = 2;

    private Mounts() {
    }

    /** A tmpfs of {@code size} (e.g. "64k") at target; false when this machine does not let us. */
    static boolean tmpfs(Path target, String size) {
        return C.mount("tmpfs", target.toString(), "tmpfs", 0, "size=" + size + ",mode=0750") == 0;
    }

    static final long MS_BIND = 4096;

    /**
     * Makes target read-only for every new open by stacking a read-only bind mount of it on
     * itself (a plain remount would fail with EBUSY while the agent holds its lock file open
     * for writing); {@code ro = false} removes that bind mount again.
     */
    static boolean readOnly(Path target, boolean ro) {
        if (!ro) {
            return C.umount2(target.toString(), 0) == 0;
        }
        return C.mount(target.toString(), target.toString(), null, MS_BIND, null) == 0
                && C.mount(null, target.toString(), null, MS_REMOUNT | MS_BIND | MS_RDONLY, null) == 0;
    }

    static void unmount(Path target) {
        C.umount2(target.toString(), MNT_DETACH);
    }
}
