package dev.baton.process.os;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What posix_spawn executes for a request: the resolved program, possibly behind setpriv.
 *
 * <p>argv[0] is the resolved absolute path in both cases, so a program looks the same in ps whether or not
 * setpriv ran first (setpriv execs its argument, which becomes the program's argv[0]).
 *
 * @param path the file to execute (absolute when argv[0] had no slash)
 * @param argv the full argument vector, argv[0] included
 */
record CommandLine(String path, List<String> argv) {

    static CommandLine forRequest(SpawnRequest request) throws SpawnException {
        CommandLine command = withoutCgroup(request);
        if (request.cgroup() == null) {
            return command;
        }
        // The child moves itself into its cgroup, then execs what it would have run (setpriv or the program).
        List<String> joining = ProgramCgroups.joining(request.cgroup(), command.argv(), request.environment());
        return new CommandLine(joining.get(0), List.copyOf(joining));
    }

    private static CommandLine withoutCgroup(SpawnRequest request) throws SpawnException {
        validate(request);
        List<String> argv = new ArrayList<>(request.argv());
        argv.set(0, ExecutableLookup.resolve(argv.get(0), request.environment()));
        Optional<Credentials> credentials = Credentials.forRequest(request.user(), request.group());

        List<String> options = new ArrayList<>();
        credentials.ifPresent(c -> options.addAll(c.setprivOptions()));
        if (request.dieWithAgent()) {
            // setpriv applies the credentials before the death signal: the kernel clears
            // PR_SET_PDEATHSIG when the uid changes, so the order matters and is setpriv's.
            options.addAll(List.of("--pdeathsig", "KILL"));
        }
        Optional<String> setpriv = Setpriv.path();
        CommandLine program;
        if (options.isEmpty() || (setpriv.isEmpty() && credentials.isEmpty())) {
            program = new CommandLine(argv.get(0), List.copyOf(argv)); // no setpriv: warned once already
        } else if (setpriv.isEmpty()) {
            throw new SpawnException("running " + argv.get(0) + " as another user needs setpriv (util-linux), "
                    + "which is not installed", LibC.ENOENT);
        } else {
            program = wrap(setpriv.get(), options, argv);
        }
        return withLimits(program, request.limits());
    }

    /**
     * prlimit goes first: it runs with the agent's privileges, so it may raise a hard limit, and then
     * execs setpriv (or the program), which keeps the limits across the user switch and keeps the pid.
     */
    private static CommandLine withLimits(CommandLine program, List<ResourceLimit> limits) throws SpawnException {
        if (limits.isEmpty()) {
            return program;
        }
        String prlimit = Setpriv.prlimitPath().orElseThrow(() -> new SpawnException("resource limits (limits = "
                + "{ ... }) need prlimit (util-linux), which is not in /usr/bin or /bin", LibC.ENOENT));
        return wrap(prlimit, limits.stream().map(ResourceLimit::prlimitOption).toList(), program.argv());
    }

    private static CommandLine wrap(String tool, List<String> options, List<String> argv) {
        List<String> wrapped = new ArrayList<>();
        wrapped.add(tool);
        wrapped.addAll(options);
        wrapped.add("--");
        wrapped.addAll(argv);
        return new CommandLine(tool, List.copyOf(wrapped));
    }

    /** The environment and arguments become C strings: reject what cannot be one. */
    private static void validate(SpawnRequest request) throws SpawnException {
        if (request.environment() == null) {
            throw new SpawnException("no environment given (an empty map means an empty environment)", LibC.EINVAL);
        }
        if (request.argv() == null || request.argv().isEmpty() || request.argv().get(0).isEmpty()) {
            throw new SpawnException("empty command line", LibC.EINVAL);
        }
        for (String arg : request.argv()) {
            if (arg.indexOf('\0') >= 0) {
                throw new SpawnException("argument contains a NUL character: " + arg.replace('\0', '?'), LibC.EINVAL);
            }
        }
        for (Map.Entry<String, String> e : request.environment().entrySet()) {
            String key = e.getKey();
            if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0 || e.getValue().indexOf('\0') >= 0) {
                throw new SpawnException("invalid environment variable: " + key.replace('\0', '?'), LibC.EINVAL);
            }
        }
    }

    /** envp entries, "K=V", in the map's order. */
    static List<String> environmentEntries(Map<String, String> environment) {
        List<String> entries = new ArrayList<>(environment.size());
        environment.forEach((k, v) -> entries.add(k + "=" + v));
        return entries;
    }
}
