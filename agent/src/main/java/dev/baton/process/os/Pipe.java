package dev.baton.process.os;

/**
 * One pipe for a child's stdout or stderr. Both ends are O_CLOEXEC; the parent's read end is also O_NONBLOCK.
 * O_NONBLOCK belongs to the open file description, which dup2 shares: setting it on the write end would make the
 * child's writes fail with EAGAIN, so only the read end gets it.
 */
record Pipe(int readFd, int writeFd) {

    static Pipe open() throws SpawnException {
        int[] fds = new int[2];
        if (LibC.INSTANCE.pipe2(fds, LibC.O_CLOEXEC) != 0) {
            int errno = LibC.errno();
            throw new SpawnException("pipe2 failed: " + ErrorNumbers.describe(errno), errno);
        }
        int read = fds[0];
        int write = fds[1];
        try {
            read = aboveStandardFds(read);
            write = aboveStandardFds(write);
            setNonBlocking(read);
            return new Pipe(read, write);
        } catch (SpawnException e) {
            Os.close(read);
            Os.close(write);
            throw e;
        }
    }

    void closeWriteEnd() {
        Os.close(writeFd);
    }

    void closeBoth() {
        Os.close(readFd);
        Os.close(writeFd);
    }

    /**
     * An agent started with fds 0-2 closed gets pipe fds among 0-2, which the child's dup2/open onto 0, 1 and 2
     * would clobber before use. Move such an fd to 3 or above.
     */
    private static int aboveStandardFds(int fd) throws SpawnException {
        if (fd > 2) {
            return fd;
        }
        int moved = LibC.INSTANCE.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
        if (moved < 0) {
            int errno = LibC.errno();
            throw new SpawnException("fcntl(F_DUPFD_CLOEXEC) failed: " + ErrorNumbers.describe(errno), errno);
        }
        Os.close(fd); // only on success: on failure the caller still owns and closes fd
        return moved;
    }

    private static void setNonBlocking(int fd) throws SpawnException {
        int flags = LibC.INSTANCE.fcntl(fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.INSTANCE.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) != 0) {
            int errno = LibC.errno();
            throw new SpawnException("fcntl(O_NONBLOCK) failed: " + ErrorNumbers.describe(errno), errno);
        }
    }
}
