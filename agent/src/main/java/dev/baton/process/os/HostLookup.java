package dev.baton.process.os;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * What {@code baton check-config} asks this host before any program starts, with the same rules
 * the spawner applies at start: the command found in the child's PATH and executable, the user and
 * group known to the user database. Each answer is null when fine, else the spawner's own message.
 * The user and group lookups are not for the agent's threads: getpwnam/getgrnam are not reentrant
 * ({@link Credentials} keeps them on the spawner thread); check-config is a single-threaded process.
 */
public final class HostLookup {
    private HostLookup() {
    }

    public static String commandProblem(String program, Map<String, String> childEnvironment) {
        try {
            ExecutableLookup.resolve(program, childEnvironment);
            return null;
        } catch (SpawnException e) {
            return e.getMessage();
        }
    }

    /** A working directory the spawner could not change to, or null. */
    public static String directoryProblem(Path directory) {
        return directory == null || Files.isDirectory(directory) ? null
                : "the working directory " + directory + " does not exist (or is not a directory)";
    }

    /** The file a command runs (searched in the child's PATH like the spawner does), or null when there is none. */
    public static Path executable(String program, Map<String, String> childEnvironment) {
        try {
            return Path.of(ExecutableLookup.resolve(program, childEnvironment));
        } catch (SpawnException | InvalidPathException e) {
            return null;
        }
    }

    /** A numeric id needs no entry (a container's uid 1000 may have none). */
    public static String userProblem(String user) {
        return isNumeric(user) || posix().getpwnam(user) != null ? null
                : "unknown user '" + user + "': no such entry in the user database (getent passwd " + user + ")";
    }

    public static String groupProblem(String group) {
        return isNumeric(group) || posix().getgrnam(group) != null ? null
                : "unknown group '" + group + "': no such entry in the group database (getent group " + group + ")";
    }

    private static POSIX posix() {
        return POSIXFactory.getNativePOSIX();
    }

    private static boolean isNumeric(String id) {
        return !id.isEmpty() && id.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
