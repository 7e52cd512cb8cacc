package dev.baton.process.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cgroup v2 per program instance, under the agent's own cgroup ({@code <own>/baton-<agent id>/<program>.<n>}),
 * when the agent can make one: cgroup2 mounted and writable (its own subtree in a container, a
 * delegated one under systemd with {@code Delegate=yes}) and {@code cgroup.kill} there (Linux 5.14).
 * A process cannot leave its cgroup by itself (moving needs write access to the common ancestor,
 * which belongs to the agent), not by setsid, double fork, a new environment, nor by a setuid or
 * file-capability binary that clears the parent-death signal; so {@code cgroup.kill} ends the
 * whole tree of an instance, at its stop and when a restarted agent ends what its last run left.
 *
 * <p>The child joins its cgroup itself, before it execs anything (a shell writes its own pid to
 * {@code cgroup.procs}, then execs): nothing it forks can start outside. Costs one exec of
 * /bin/sh per start.
 */
public final class ProgramCgroups {
    private static final Logger log = LoggerFactory.getLogger(ProgramCgroups.class);
    private static final Path PROC_CGROUP = Path.of("/proc/self/cgroup");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final String KILL = "cgroup.kill";
    private static final String PROCS = "cgroup.procs";
    /**
     * The moving shell: {@code $0} is the cgroup.procs file, {@code $1} the PWD of the child's
     * environment ("" when it has none, else "=" and its value: the shell sets its own), the rest
     * the command it execs. Exit 126 when it cannot join: the start fails rather than run untracked.
     */
    static final List<String> JOIN = List.of("/bin/sh", "-c",
            "echo $$ > \"$0\" || exit 126; if [ -n \"$1\" ]; then PWD=${1#=}; export PWD; else unset PWD; fi; shift; "
                    + "exec \"$@\"");

    /** True when {@code argv} (at least its first three) is that of the {@link #JOIN} shell. */
    static boolean isJoinShell(String[] argv) {
        return argv.length >= 3 && List.of(argv).subList(0, 3).equals(JOIN.subList(0, 3));
    }

    private final Path base;

    private ProgramCgroups(Path base) {
        this.base = base;
    }

    /**
     * The cgroups of this agent's programs, or empty (logged once, with the reason) when the
     * agent cannot make them here.
     */
    public static Optional<ProgramCgroups> detect(String agentId) {
        String why;
        try {
            Optional<Path> own = ownCgroup(Files.readAllLines(PROC_CGROUP), Files.readAllLines(MOUNTINFO));
            if (own.isEmpty()) {
                why = "no cgroup v2 (unified) hierarchy is mounted for the agent's cgroup";
            } else {
                Path base = own.get().resolve("baton-" + agentId);
                Files.createDirectories(base);
                if (Files.exists(base.resolve(KILL))) {
                    log.info("cgroups: each program instance runs in its own cgroup under {}", base);
                    return Optional.of(new ProgramCgroups(base));
                }
                Files.deleteIfExists(base);
                why = "the kernel has no cgroup.kill (Linux 5.14 or later)";
            }
        } catch (IOException | RuntimeException e) {
            why = "the agent's cgroup is not writable (" + e.getMessage() + "): under systemd set Delegate=yes"
                    + " and leave ProtectControlGroups= off (it makes the delegated subtree read-only too)";
        }
        log.warn("cgroups: not used ({}); programs are tracked by process group and tag only, and an exclusive "
                + "program whose binary is setuid or has file capabilities is refused", why);
        return Optional.empty();
    }

    /** {@code <mount point>/<own path>} from the cgroup v2 line of /proc/self/cgroup and the cgroup2 mount. */
    static Optional<Path> ownCgroup(List<String> procCgroup, List<String> mountinfo) {
        String own = procCgroup.stream().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst().orElse(null);
        if (own == null) {
            return Optional.empty();
        }
        for (String line : mountinfo) {
            int dash = line.indexOf(" - ");
            String[] f = line.split(" ");
            if (dash < 0 || f.length < 5 || !line.substring(dash + 3).startsWith("cgroup2 ")) {
                continue;
            }
            String root = f[3];
            String mountPoint = f[4];
            if (own.equals(root) || own.startsWith(root.endsWith("/") ? root : root + "/")) {
                String below = own.substring(root.length()).replaceFirst("^/", "");
                return Optional.of(below.isEmpty() ? Path.of(mountPoint) : Path.of(mountPoint).resolve(below));
            }
        }
        return Optional.empty();
    }

    /**
     * The cgroup of the instance {@code program.n}, made now; its cgroup.procs is what the child
     * writes. The program's earlier instances' cgroups go, when empty (only this program's: another
     * program's new cgroup is empty too until its child joined it).
     */
    public Path create(String program, long n) throws IOException {
        for (Path g : children()) {
            if (isInstanceOf(program, g.getFileName().toString())) {
                try {
                    Files.deleteIfExists(g);
                } catch (IOException e) {
                    // busy: a straggler of that instance is still in it
                }
            }
        }
        Path dir = base.resolve(program + "." + n);
        Files.createDirectories(dir);
        return dir;
    }

    /**
     * {@code name} is {@code program.<n>}. Compared by hand: a regex compiled per directory entry was a tenth of
     * the event loop's time in a reload that started 20 programs beside 40 others.
     */
    static boolean isInstanceOf(String program, String name) {
        int dot = program.length();
        if (name.length() <= dot + 1 || !name.startsWith(program) || name.charAt(dot) != '.') {
            return false;
        }
        for (int i = dot + 1; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    public Path dir(String name) {
        return base.resolve(name);
    }

    /** What a request's command becomes to start inside {@code cgroup}. */
    static List<String> joining(Path cgroup, List<String> argv, java.util.Map<String, String> environment) {
        List<String> out = new ArrayList<>(JOIN);
        out.add(cgroup.resolve(PROCS).toString());
        String pwd = environment.get("PWD");
        out.add(pwd == null ? "" : "=" + pwd);
        out.addAll(argv);
        return out;
    }

    /** The pids in an instance's cgroup (empty when it is gone). */
    public List<Integer> pids(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve(PROCS)).stream().filter(l -> !l.isBlank()).map(Integer::parseInt).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** SIGKILL to every process in the cgroup, at once, by the kernel. */
    public boolean kill(Path cgroup) {
        try {
            Files.writeString(cgroup.resolve(KILL), "1", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException e) {
            return false; // gone already
        }
    }

    /**
     * What a previous run of this agent left: every instance cgroup is killed, awaited (bounded)
     * and removed.
     *
     * @return the pids that were in them
     */
    public List<Integer> killAll(java.time.Duration limit) {
        return killAllExcept(limit, java.util.Set.of());
    }

    /** {@link #killAll}, sparing the cgroups in {@code keep} (instances a re-exec adopted). */
    public List<Integer> killAllExcept(java.time.Duration limit, java.util.Set<Path> keep) {
        List<Integer> found = new ArrayList<>();
        List<Path> groups = new ArrayList<>(children());
        groups.removeIf(keep::contains);
        groups.forEach(g -> found.addAll(pids(g)));
        if (!found.isEmpty()) {
            groups.forEach(this::kill);
            long deadline = System.nanoTime() + limit.toNanos();
            while (groups.stream().anyMatch(g -> !pids(g).isEmpty()) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(20_000_000);
            }
        }
        removeEmpty();
        return found;
    }

    /** Removes the cgroups with nothing in them (a cgroup with processes refuses rmdir). */
    public void removeEmpty() {
        for (Path g : children()) {
            try {
                Files.deleteIfExists(g);
            } catch (IOException e) {
                // busy: still has processes
            }
        }
    }

    /** At the agent's clean exit: its own directory too, when nothing is left. */
    public void close() {
        removeEmpty();
        try {
            Files.deleteIfExists(base);
        } catch (IOException e) {
            log.debug("cgroups: {} not removed: {}", base, e.toString());
        }
    }

    private List<Path> children() {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, Files::isDirectory)) {
            entries.forEach(out::add);
        } catch (IOException e) {
            // gone: nothing to list
        }
        return out;
    }

    /**
     * Without a cgroup, only the parent-death signal ends a program with the agent, and the kernel
     * clears it when an exec changes the credentials: a program run as another user from a setuid
     * or setgid binary, or one with file capabilities (security.capability), would survive the
     * agent. Root's own programs keep it (their credentials do not change). Null when the program
     * cannot escape that way; else why, and what to do.
     */
    public static String whyItCouldOutliveTheAgent(String command, String user, String group,
                                                   java.util.Map<String, String> environment) {
        boolean asAnotherUser = user != null && !user.equals("0") && !user.equals("root") || group != null;
        String escapes;
        try {
            escapes = asAnotherUser ? escapesDeathSignal(Path.of(ExecutableLookup.resolve(command, environment))) : null;
        } catch (SpawnException | RuntimeException e) {
            escapes = null; // not found: its start fails with the reason anyway
        }
        return escapes == null ? null : escapes + ", so run as user " + user + (group == null ? "" : " group " + group)
                + " it would survive the agent's death (the kernel clears the parent-death signal at its exec) and "
                + "run on after this host lost its lock. Run the agent where it can use cgroups (cgroup v2 and Linux "
                + "5.14+; under systemd, Delegate=yes), or use a binary without setuid/setgid bits or file capabilities";
    }

    static String escapesDeathSignal(Path binary) {
        try {
            int mode = (Integer) Files.getAttribute(binary, "unix:mode");
            if ((mode & 04000) != 0) {
                return binary + " is setuid";
            }
            if ((mode & 02000) != 0) {
                return binary + " is setgid";
            }
        } catch (IOException | RuntimeException e) {
            return null; // a missing binary fails its start anyway
        }
        long size = LibC.INSTANCE.getxattr(binary.toString(), "security.capability", null, 0);
        return size > 0 ? binary + " has file capabilities (security.capability)" : null;
    }
}
