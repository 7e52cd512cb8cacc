package dev.baton.process.os;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds argv[0] the way a shell would, but in the child's PATH (from its environment) rather than the agent's.
 * A name with a slash is checked as is: with setpriv in front (death signal, user switch) posix_spawn
 * starts setpriv successfully and a missing program would only show as setpriv's exit 127.
 */
final class ExecutableLookup {
    static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private ExecutableLookup() {
    }

    static String resolve(String program, Map<String, String> environment) throws SpawnException {
        if (program.contains("/")) {
            Path path = candidate("/", program);
            if (path != null && path.isAbsolute() && !(Files.isRegularFile(path) && Files.isExecutable(path))) {
                int errno = Files.exists(path) ? LibC.EACCES : LibC.ENOENT;
                throw new SpawnException("cannot start " + program + ": " + ErrorNumbers.describe(errno), errno);
            }
            return program;
        }
        String searchPath = environment.getOrDefault("PATH", DEFAULT_PATH);
        if (!program.isEmpty()) {
            for (String dir : searchPath.split(":")) {
                // An empty entry means "the current directory" to execvp; the child's directory is not ours,
                // so such entries are skipped rather than guessed.
                Path candidate = candidate(dir, program);
                if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        throw new SpawnException("command not found: " + program + " (searched PATH=" + searchPath + ")",
                LibC.ENOENT);
    }

    private static Path candidate(String dir, String program) {
        if (dir.isEmpty()) {
            return null;
        }
        try {
            return Path.of(dir, program);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
