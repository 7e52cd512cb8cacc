package dev.baton.process.os;

import java.nio.file.Path;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** A posix_spawn_file_actions_t: what the child does with its descriptors and directory before exec. */
final class FileActions implements AutoCloseable {
    private final Pointer actions = Memory.allocateDirect(LibC.runtime(), LibC.OPAQUE_STRUCT_SIZE, true);

    private FileActions() {
    }

    static FileActions create() throws SpawnException {
        FileActions fa = new FileActions();
        ErrorNumbers.check(LibC.INSTANCE.posix_spawn_file_actions_init(fa.actions), "posix_spawn_file_actions_init");
        return fa;
    }

    /**
     * stdin from /dev/null, stdout and stderr onto the given pipe write ends, nothing else open (no JVM jar,
     * socket or listening port leaks into the child), then the working directory if any.
     */
    FileActions standardStreams(int stdoutFd, int stderrFd, Path directory) throws SpawnException {
        ErrorNumbers.check(LibC.INSTANCE.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", LibC.O_RDONLY, 0),
                "posix_spawn_file_actions_addopen");
        ErrorNumbers.check(LibC.INSTANCE.posix_spawn_file_actions_adddup2(actions, stdoutFd, 1),
                "posix_spawn_file_actions_adddup2");
        ErrorNumbers.check(LibC.INSTANCE.posix_spawn_file_actions_adddup2(actions, stderrFd, 2),
                "posix_spawn_file_actions_adddup2");
        ErrorNumbers.check(LibC.INSTANCE.posix_spawn_file_actions_addclosefrom_np(actions, 3),
                "posix_spawn_file_actions_addclosefrom_np");
        if (directory != null) {
            ErrorNumbers.check(LibC.INSTANCE.posix_spawn_file_actions_addchdir_np(actions, directory.toString()),
                    "posix_spawn_file_actions_addchdir_np");
        }
        return this;
    }

    Pointer pointer() {
        return actions;
    }

    @Override
    public void close() {
        LibC.INSTANCE.posix_spawn_file_actions_destroy(actions);
    }
}
