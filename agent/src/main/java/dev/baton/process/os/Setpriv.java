package dev.baton.process.os;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * util-linux setpriv, which sets what posix_spawn cannot between fork and exec (parent-death signal, uid, gid,
 * groups) and then execs the program, so the program keeps the pid posix_spawn returned.
 */
final class Setpriv {
    private static final Logger LOG = LoggerFactory.getLogger(Setpriv.class);

    private Setpriv() {
    }

    /** Located once; absent: warned once. */
    private static final class Location {
        static final Optional<String> PATH = locate();

        private static Optional<String> locate() {
            Optional<String> found = Stream.of("/usr/bin/setpriv", "/bin/setpriv")
                    .filter(p -> Files.isRegularFile(Path.of(p)) && Files.isExecutable(Path.of(p)))
                    .findFirst();
            if (found.isEmpty()) {
                LOG.warn("setpriv (util-linux) not found in /usr/bin or /bin: children will not be killed when the "
                        + "agent dies, and programs cannot switch user");
            }
            return found;
        }
    }

    static Optional<String> path() {
        return Location.PATH;
    }

    /** util-linux prlimit, which sets resource limits and execs its argument (same pid), like setpriv. */
    static Optional<String> prlimitPath() {
        return PrlimitLocation.PATH;
    }

    /** Located once, on first use: only programs with limits need it. */
    private static final class PrlimitLocation {
        static final Optional<String> PATH = Stream.of("/usr/bin/prlimit", "/bin/prlimit")
                .filter(p -> Files.isRegularFile(Path.of(p)) && Files.isExecutable(Path.of(p)))
                .findFirst();
    }
}
