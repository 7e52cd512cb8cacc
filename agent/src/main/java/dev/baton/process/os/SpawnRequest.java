package dev.baton.process.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to start one program instance.
 *
 * @param argv         argv[0] is looked up in PATH of {@code environment} when it has no slash
 * @param environment  the complete environment of the child (nothing else is inherited)
 * @param directory    working directory, or null for the agent's
 * @param user         user name or numeric uid to switch to (only as root), or null
 * @param group        group name or numeric gid, or null for the user's primary group
 * @param umask        umask for the child, or null to inherit
 * @param dieWithAgent the child gets SIGKILL when the agent dies (PR_SET_PDEATHSIG)
 * @param cgroup       the cgroup v2 directory the child joins before it execs anything, or null
 * @param limits       resource limits set before the program runs (empty: the agent's are inherited)
 * @param ignoreSigpipe the child starts with SIGPIPE ignored, as under supervisord and systemd (false: default
 *                     action); SIGXFSZ always starts ignored, every other signal at its default
 */
public record SpawnRequest(List<String> argv, Map<String, String> environment, Path directory,
                           String user, String group, Integer umask, boolean dieWithAgent, Path cgroup,
                           List<ResourceLimit> limits, boolean ignoreSigpipe) {
    public SpawnRequest {
        limits = limits == null ? List.of() : List.copyOf(limits);
    }

    /** Without a cgroup and without resource limits; SIGPIPE ignored. */
    public SpawnRequest(List<String> argv, Map<String, String> environment, Path directory, String user, String group,
                        Integer umask, boolean dieWithAgent) {
        this(argv, environment, directory, user, group, umask, dieWithAgent, null, List.of(), true);
    }

    /** Without a cgroup; SIGPIPE ignored. */
    public SpawnRequest(List<String> argv, Map<String, String> environment, Path directory,
                        String user, String group, Integer umask, boolean dieWithAgent, List<ResourceLimit> limits) {
        this(argv, environment, directory, user, group, umask, dieWithAgent, null, limits, true);
    }
}
