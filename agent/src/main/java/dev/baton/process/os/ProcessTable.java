package dev.baton.process.os;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads /proc. Every process can vanish between listing and reading: such a process is simply skipped.
 */
public final class ProcessTable {
    private static final File PROC = new File("/proc");
    /** The kernel lists each thread's children in /proc/PID/task/TID/children. */
    private static final boolean CHILDREN_LISTS = new File("/proc/thread-self/children").canRead();

    private ProcessTable() {
    }

    /** The process's stat fields; empty when it does not exist (a zombie still has them). */
    public static Optional<ProcStat> stat(int pid) {
        return Optional.ofNullable(new ProcReader().stat(pid));
    }

    /** Field 22 of /proc/PID/stat, clock ticks since boot; empty when the process does not exist. */
    public static OptionalLong startTime(int pid) {
        return stat(pid).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /** Alive (not a zombie) and started at startTime: the very instance we spawned, not a reuse of its pid. */
    public static boolean isInstance(int pid, long startTime) {
        return stat(pid).filter(s -> !s.isZombie() && s.startTime() == startTime).isPresent();
    }

    /** Live (non-zombie) processes of a process group. */
    public static List<Integer> groupMembers(int pgid) {
        return pidsWhere(s -> s.pgrp() == pgid && !s.isZombie());
    }

    /** Zombie children of ppid: exited, nobody reaped them yet. */
    public static List<Integer> zombieChildrenOf(int ppid) {
        return pidsWhere(s -> s.ppid() == ppid && s.isZombie());
    }

    /**
     * Live processes whose environment contains exactly {@code key=value}, for instance descendants of a program
     * instance that left its process group. Processes whose environ we may not read are skipped. The environment
     * is the one the process started with (later setenv calls do not show).
     */
    public static List<Integer> findByEnvironment(String key, String value) {
        byte[] wanted = (key + "=" + value).getBytes(StandardCharsets.UTF_8);
        List<Integer> found = new ArrayList<>();
        ProcReader reader = new ProcReader();
        for (int pid : allPids()) {
            if (hasEnvironmentEntry(pid, wanted)) {
                ProcStat s = reader.stat(pid);
                if (s != null && !s.isZombie()) {
                    found.add(pid);
                }
            }
        }
        return found;
    }

    /**
     * Live (non-zombie) descendants of {@code ancestor}. For the agent, a child subreaper, this is every
     * process any of its programs started, including double-forked daemons: orphans re-parent to it.
     * Walks down the ancestor's subtree through the kernel's per-thread children lists where it has them
     * (Linux's CONFIG_PROC_CHILDREN, as Debian builds it), else reads every process's stat.
     */
    public static List<ProcStat> descendantsOf(int ancestor) {
        return CHILDREN_LISTS ? descendantsByChildren(ancestor) : descendantsByScan(ancestor);
    }

    /**
     * {@link #descendantsOf} from the subtree only: each process's threads' children lists, then the stat of
     * each process found. A pass over all of /proc costs a stat read (several microseconds) per process on
     * the host, hundreds on a validator host, and the event loop makes one when it stops a program and
     * another when the program is gone: milliseconds during which a handover line waits. A child is in its
     * parent thread's list, so every thread of a process is read (a program may fork from any of them, and an
     * orphan joins a live thread of the agent). Like the full pass, the walk is not atomic: a process that
     * forks and exits while it runs may hide its child until the next call, which the callers' polls make.
     */
    static List<ProcStat> descendantsByChildren(int ancestor) {
        ProcReader reader = new ProcReader();
        List<ProcStat> found = new ArrayList<>();
        Set<Integer> seen = new HashSet<>(List.of(ancestor)); // a pid listed twice (re-parented between reads) counts once
        Deque<Integer> todo = new ArrayDeque<>(List.of(ancestor));
        while (!todo.isEmpty()) {
            int parent = todo.pop();
            String[] tids = new File("/proc/" + parent + "/task").list();
            if (tids == null) {
                continue; // gone: its children re-parented, to a listed process or outside the subtree
            }
            for (String tid : tids) {
                for (int child : reader.children(parent, tid)) {
                    if (seen.add(child)) {
                        todo.push(child);
                        ProcStat s = reader.stat(child);
                        if (s != null && !s.isZombie()) {
                            found.add(s);
                        }
                    }
                }
            }
        }
        return found;
    }

    /** {@link #descendantsOf} from one pass over every /proc/PID/stat. */
    static List<ProcStat> descendantsByScan(int ancestor) {
        Map<Integer, List<ProcStat>> byParent = new HashMap<>();
        ProcReader reader = new ProcReader();
        for (int pid : allPids()) {
            ProcStat s = reader.stat(pid);
            if (s != null) {
                byParent.computeIfAbsent(s.ppid(), k -> new ArrayList<>(2)).add(s);
            }
        }
        List<ProcStat> found = new ArrayList<>();
        Deque<Integer> todo = new ArrayDeque<>(List.of(ancestor));
        while (!todo.isEmpty()) {
            for (ProcStat child : byParent.getOrDefault(todo.pop(), List.of())) {
                todo.push(child.pid());
                if (!child.isZombie()) {
                    found.add(child);
                }
            }
        }
        return found;
    }

    /** True when the process's initial environment has {@code key=value} (false when gone or unreadable). */
    public static boolean hasEnvironment(int pid, String key, String value) {
        return hasEnvironmentEntry(pid, (key + "=" + value).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The value of {@code key} in the process's initial environment: null when the process is gone or its
     * environ is not ours to read, "" when it has no such variable (or an empty one).
     */
    public static String environmentValue(int pid, String key) {
        byte[] environ;
        try {
            environ = readProcFile("/proc/" + pid + "/environ");
        } catch (IOException e) {
            return null;
        }
        byte[] prefix = (key + "=").getBytes(StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i <= environ.length; i++) { // entries are NUL-terminated
            if (i == environ.length || environ[i] == 0) {
                if (i - start >= prefix.length && Arrays.equals(environ, start, start + prefix.length, prefix, 0, prefix.length)) {
                    return new String(environ, start + prefix.length, i - start - prefix.length, StandardCharsets.UTF_8);
                }
                start = i + 1;
            }
        }
        return "";
    }

    private static boolean hasEnvironmentEntry(int pid, byte[] wanted) {
        byte[] environ;
        try {
            environ = readProcFile("/proc/" + pid + "/environ");
        } catch (IOException e) {
            return false; // gone, or not ours to read
        }
        int start = 0;
        for (int i = 0; i <= environ.length; i++) { // entries are NUL-terminated
            if (i == environ.length || environ[i] == 0) {
                if (Arrays.equals(environ, start, i, wanted, 0, wanted.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** A /proc file's bytes (Files.readAllBytes sees size 0 for /proc files and starts from an 8 KiB buffer). */
    private static byte[] readProcFile(String path) throws IOException {
        try (FileInputStream in = new FileInputStream(path)) {
            byte[] buf = new byte[512];
            int n = 0;
            for (int r; (r = in.read(buf, n, buf.length - n)) > 0; ) {
                n += r;
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        }
    }

    private static List<Integer> pidsWhere(Predicate<ProcStat> condition) {
        List<Integer> pids = new ArrayList<>();
        ProcReader reader = new ProcReader();
        for (int pid : allPids()) {
            ProcStat s = reader.stat(pid);
            if (s != null && condition.test(s)) {
                pids.add(s.pid());
            }
        }
        return pids;
    }

    /** The pids in /proc now (File.list: one String per entry, where a DirectoryStream made a Path of each). */
    public static int[] allPids() {
        String[] names = PROC.list();
        if (names == null) {
            throw new UncheckedIOException(new IOException("cannot list /proc"));
        }
        int[] pids = new int[names.length];
        int n = 0;
        for (String name : names) {
            int pid = pidOf(name);
            if (pid > 0) {
                pids[n++] = pid;
            }
        }
        return Arrays.copyOf(pids, n);
    }

    /** The number a /proc entry is named by, or -1 for the other entries (self, sys, ...). */
    private static int pidOf(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        int pid = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid;
    }

    /**
     * Reads /proc/PID/stat (and children lists) into one buffer reused for every process of a scan (one per scan: a scan runs on one
     * thread). Files.readAllBytes sees size 0 for /proc files and starts from an 8 KiB buffer that it then
     * copies, and a String of each line doubled that: the scans made most of the agent's garbage, and the young
     * collections that came with it held up the event loop.
     */
    private static final class ProcReader {
        private byte[] buf = new byte[512];

        /** The process's stat fields, or null when it is gone (or the line does not parse). */
        ProcStat stat(int pid) {
            int n = read("/proc/" + pid + "/stat");
            return n < 0 ? null : ProcStat.parse(buf, n);
        }

        /** The pids of the processes thread {@code tid} of {@code pid} started ("12 34 "); none when gone. */
        int[] children(int pid, String tid) {
            int n = read("/proc/" + pid + "/task/" + tid + "/children");
            int[] out = new int[Math.max(0, n / 2)];
            int count = 0;
            int value = -1;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b >= '0' && b <= '9') {
                    value = (value < 0 ? 0 : value * 10) + (b - '0');
                } else if (value >= 0) {
                    out[count++] = value;
                    value = -1;
                }
            }
            if (value >= 0) {
                out[count++] = value;
            }
            return Arrays.copyOf(out, count);
        }

        /** Reads a /proc file into {@link #buf}; its length, or -1 when it cannot be read (gone). */
        private int read(String path) {
            try (FileInputStream in = new FileInputStream(path)) {
                int n = 0;
                for (int r; (r = in.read(buf, n, buf.length - n)) > 0; ) {
                    n += r;
                    if (n == buf.length) {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                }
                return n;
            } catch (IOException e) {
                return -1;
            }
        }
    }
}
