package dev.baton.process.os;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Reads /proc. Every process can vanish between listing and reading: such a process is simply skipped.
 */
public final class ProcessTable {
    private static final Path PROC = Path.of("/proc");

    private ProcessTable() {
    }

    /** The process's stat fields; empty when it does not exist (a zombie still has them). */
    public static Optional<ProcStat> stat(int pid) {
        try {
            // ISO-8859-1: comm is arbitrary bytes, and the numeric fields are ASCII either way
            return ProcStat.parse(new String(readProcFile("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return Optional.empty();
        }
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
        for (int pid : allPids()) {
            if (hasEnvironmentEntry(pid, wanted) && stat(pid).filter(s -> !s.isZombie()).isPresent()) {
                found.add(pid);
            }
        }
        return found;
    }

    /**
     * Live (non-zombie) descendants of {@code ancestor}, from one pass over /proc/PID/stat. For the
     * agent, a child subreaper, this is every process any of its programs started, including
     * double-forked daemons: orphans re-parent to it.
     */
    public static List<ProcStat> descendantsOf(int ancestor) {
        Map<Integer, List<ProcStat>> byParent = new HashMap<>();
        for (int pid : allPids()) {
            stat(pid).ifPresent(s -> byParent.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s));
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

    /**
     * A /proc file's bytes. Files.readAllBytes sees size 0 for /proc files and starts from an 8 KiB buffer
     * that it then copies: the agent's scans (one stat per process, often) made most of its garbage, and
     * the young collections that came with it held up the event loop.
     */
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
        for (int pid : allPids()) {
            stat(pid).filter(condition).ifPresent(s -> pids.add(s.pid()));
        }
        return pids;
    }

    private static List<Integer> allPids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    pids.add(Integer.parseInt(name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc", e);
        }
        return pids;
    }
}
