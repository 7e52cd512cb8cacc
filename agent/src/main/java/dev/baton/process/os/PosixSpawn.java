package dev.baton.process.os;

import java.lang.ref.Reference;
import java.nio.file.Files;

import jnr.ffi.Pointer;

/**
 * One posix_spawn, on the calling thread: pipes, file actions, attributes, umask, then the call. Every descriptor
 * it opens is either handed to the caller (the two read ends) or closed, on success and on failure.
 */
final class PosixSpawn {
    private PosixSpawn() {
    }

    static SpawnedProcess spawn(SpawnRequest request) throws SpawnException {
        CommandLine command = CommandLine.forRequest(request); // before any fd is opened: nothing to clean up
        Pipe stdout = Pipe.open();
        Pipe stderr;
        try {
            stderr = Pipe.open();
        } catch (SpawnException e) {
            stdout.closeBoth();
            throw e;
        }
        boolean started = false;
        try {
            int pid = start(command, request, stdout.writeFd(), stderr.writeFd());
            started = true;
            // 0 when the child has already exited and been reaped: /proc has nothing left to read
            long startTime = ProcessTable.startTime(pid).orElse(0);
            return new SpawnedProcess(pid, startTime, stdout.readFd(), stderr.readFd());
        } finally {
            // The child holds its own copies now; ours would keep the pipes from ever reaching EOF.
            stdout.closeWriteEnd();
            stderr.closeWriteEnd();
            if (!started) {
                Os.close(stdout.readFd());
                Os.close(stderr.readFd());
            }
        }
    }

    private static int start(CommandLine command, SpawnRequest request, int stdoutFd, int stderrFd)
            throws SpawnException {
        try (FileActions actions = FileActions.create();
             SpawnAttributes attributes = SpawnAttributes.newSession(request.ignoreSigpipe())) {
            actions.standardStreams(stdoutFd, stderrFd, request.directory());
            Pointer argv = NativeStringArray.of(command.argv());
            Pointer envp = NativeStringArray.of(CommandLine.environmentEntries(request.environment()));
            int[] pid = new int[1];
            int result;
            // umask is per process, not per thread: set it just around the call, which copies it into the child.
            // Acceptable because only the spawner thread spawns, the window is microseconds, and agent code that
            // needs a particular file mode sets it explicitly rather than relying on the umask.
            int previousUmask = request.umask() == null ? -1 : LibC.INSTANCE.umask(request.umask());
            try {
                result = LibC.INSTANCE.posix_spawn(pid, command.path(), actions.pointer(), attributes.pointer(),
                        argv, envp);
            } finally {
                if (previousUmask >= 0) {
                    LibC.INSTANCE.umask(previousUmask);
                }
                Reference.reachabilityFence(argv);
                Reference.reachabilityFence(envp);
            }
            if (result != 0) {
                // posix_spawn returns the error number; errno is not meaningful here
                throw new SpawnException(failureMessage(command, request, result), result);
            }
            return pid[0];
        }
    }

    private static String failureMessage(CommandLine command, SpawnRequest request, int errno) {
        String message = "cannot start " + command.path() + ": " + ErrorNumbers.describe(errno);
        if (request.directory() != null && !Files.isDirectory(request.directory())) {
            message += " (working directory " + request.directory() + " does not exist)";
        }
        return message;
    }
}
