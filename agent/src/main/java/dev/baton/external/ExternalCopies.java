package dev.baton.external;

import dev.baton.config.systemd.InstalledUnits;
import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds what runs (or would run) a program's executable outside baton. Cost: one pass over /proc
 * (a readlink per process) and one over the unit directories; a check-config, or one start of a
 * guarded program, pays it once.
 */
public final class ExternalCopies {
    private final Path root;
    private final int agentPid;
    private final List<InstalledUnits.Installed> units;
    private final Set<Integer> ours;

    /** @param agentPid baton's pid: its descendants are its own programs, not copies */
    public ExternalCopies(Path root, int agentPid) {
        this.root = root;
        this.agentPid = agentPid;
        this.units = InstalledUnits.scan(root);
        this.ours = new HashSet<>();
        ours.add(agentPid);
        ProcessTable.descendantsOf(agentPid).forEach(s -> ours.add(s.pid()));
    }

    /** A copy found, and how to get rid of it. */
    public record Copy(String what, String fix) {
        @Override
        public String toString() {
            return what + " (" + fix + ")";
        }
    }

    /**
     * Shells, interpreters, runtimes and generic tools: every other script, JVM or sleep on the host
     * runs the same file, so a copy of one of those is not a copy of the program.
     */
    private static final java.util.regex.Pattern RUNTIME = java.util.regex.Pattern.compile(
            "(ba|da|z|k|c|tc|fi)?sh|busybox|env|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|java|bun|deno|php[0-9.]*"
            + "|setpriv|prlimit|nice|ionice|taskset|sudo|su|timeout|stdbuf|nohup|sleep|cat|tail|tee|true|false|yes|echo|test");

    /**
     * The executable argv[0] names (absolute, or looked up in PATH; symlinks resolved), or null when it
     * is not found or is a shell or interpreter (see {@link #RUNTIME}).
     */
    public static Path executable(List<String> argv, Map<String, String> env) {
        String first = argv.get(0);
        List<Path> candidates = new ArrayList<>();
        if (first.contains("/")) {
            candidates.add(Path.of(first));
        } else {
            for (String d : env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, first));
                }
            }
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c) && Files.isExecutable(c)) {
                Path real;
                try {
                    real = c.toRealPath();
                } catch (IOException e) {
                    real = c;
                }
                return RUNTIME.matcher(real.getFileName().toString()).matches()
                        || RUNTIME.matcher(c.getFileName().toString()).matches() ? null : real;
            }
        }
        return null;
    }

    /** Processes outside baton and enabled, unmasked units that run {@code executable}. */
    public List<Copy> of(Path executable) {
        List<Copy> out = new ArrayList<>();
        if (executable == null) {
            return out;
        }
        for (InstalledUnits.Installed u : units) {
            if (u.enabled() && !u.masked() && u.executable() != null && sameFile(Path.of(u.executable()), executable)) {
                out.add(new Copy("systemd unit " + u.name() + " (enabled, " + u.file() + ") starts " + executable,
                        "systemctl disable --now " + u.name() + " && systemctl mask " + u.name()));
            }
        }
        for (int pid : ProcessTable.allPids()) {
            if (ours.contains(pid)) {
                continue;
            }
            Path exe = exe(pid);
            if (exe != null && exe.equals(executable) && !isDescendantOfAgent(pid) && !startedByBaton(pid)) {
                String unit = unitOf(pid);
                out.add(new Copy("pid " + pid + " runs " + executable + " outside baton"
                        + (unit == null ? "" : " (systemd unit " + unit + ")"),
                        unit == null ? "stop it" : "systemctl disable --now " + unit + " && systemctl mask " + unit));
            }
        }
        return out;
    }

    private boolean sameFile(Path a, Path b) {
        try {
            Path ra = root.resolve(a.toString().substring(1));
            return Files.exists(ra) && ra.toRealPath().equals(b.toRealPath()) || a.equals(b);
        } catch (IOException e) {
            return a.equals(b);
        }
    }

    /** Started after the scan of the agent's tree began: walk up to make sure. */
    private boolean isDescendantOfAgent(int pid) {
        int p = pid;
        for (int hops = 0; hops < 64 && p > 1; hops++) {
            if (p == agentPid) {
                return true;
            }
            p = ProcessTable.stat(p).map(ProcStat::ppid).orElse(0);
        }
        return false;
    }

    /**
     * A program of a running baton agent (check-config runs beside one): its environment names the
     * agent. Environments we may not read count as not baton's: a false alarm beats a missed copy.
     */
    private static boolean startedByBaton(int pid) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "environ"));
            String text = new String(env, java.nio.charset.StandardCharsets.UTF_8);
            return text.startsWith(BATON_AGENT) || text.contains("\0" + BATON_AGENT);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** The variable baton sets in every program's environment (ChildEnvironment.AGENT). */
    private static final String BATON_AGENT = "BATON_AGENT=";

    /** /proc/PID/exe, without the " (deleted)" the kernel appends when the file was replaced (an upgrade). */
    private static Path exe(int pid) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe")).toString();
            return Path.of(target.endsWith(" (deleted)") ? target.substring(0, target.length() - 10) : target);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null; // gone, a kernel thread, or another user's process we may not inspect
        }
    }

    /** The systemd unit a process runs in, from its cgroup ("0::/system.slice/x.service"), or null. */
    private static String unitOf(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup"))) {
                int i = line.lastIndexOf('/');
                if (i >= 0 && line.endsWith(".service")) {
                    return line.substring(i + 1);
                }
            }
        } catch (IOException e) {
            // gone
        }
        return null;
    }
}
