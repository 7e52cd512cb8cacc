package dev.baton.process.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where jffi (under jnr-ffi and jnr-posix) copies its native library before loading it. By
 * default that is java.io.tmpdir, in a file made by File.createTempFile, mode 0666 less the umask:
 * under umask 000 any user could rewrite the library in /tmp between the copy and the load, and the
 * root agent would run their code. The copy goes to a directory only this user can enter instead.
 */
public final class NativeStub {
    static final String EXTRACT_DIR = "jffi.extract.dir";

    private NativeStub() {
    }

    /**
     * Call first thing, before anything uses jnr. {@code loadNow} (the agent, which needs it anyway):
     * load the library at once and remove the directory (jffi deletes its copy once loaded); else
     * the directory goes at exit.
     */
    public static void extractPrivately(boolean loadNow) {
        if (System.getProperty(EXTRACT_DIR) != null) {
            return;
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("baton-jffi-"); // 0700, whatever the umask
        } catch (IOException e) {
            return; // jffi says itself when it cannot extract
        }
        System.setProperty(EXTRACT_DIR, dir.toString());
        if (loadNow) {
            try {
                LibC.INSTANCE.getpid(); // binds libc through jffi: its library is loaded now
                Files.deleteIfExists(dir);
                return;
            } catch (IOException | LinkageError | RuntimeException e) {
                // left for exit: still empty, or still private
            }
        }
        dir.toFile().deleteOnExit();
    }
}
