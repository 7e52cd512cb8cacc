package dev.baton.process.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The SHA-256 of the binary each program is running, for the inventory: two hosts "on 1.1.0" that
 * run different builds show different digests. The binary is read through {@code /proc/PID/exe},
 * which opens the inode the process executes, even after a package upgrade replaced or deleted the
 * file at its path: the digest is that of what runs, not of what is installed.
 *
 * <p>Cost model: hashing runs on one background thread of its own (a 100 MB engine binary is ~70 ms
 * of SHA-256 with libcrypto, ~0.55 s without: see {@link FileSha256}), never on the event loop; the
 * callers only post. Digests are cached by device, inode,
 * modification time and size, so a restart of the same binary costs one stat, not a read. At most
 * {@link #CACHE_ENTRIES} digests are kept.
 *
 * <p>Reading another user's {@code /proc/PID/exe} needs CAP_SYS_PTRACE (a program started with
 * {@code user =} is such a process, and setpriv's uid change also makes it non-dumpable), which the
 * packaged unit leaves out of its bounding set. Then the file its command names is hashed instead,
 * at start: what was installed when it started, which a later upgrade no longer changes.
 *
 * <p>setpriv (baton's wrapper for the parent-death signal and the user switch), then the shell that
 * moves the process into its cgroup, are the process's binary for the few milliseconds before it
 * execs the program: a digest taken then would be theirs (it was: every program under cgroups
 * showed /usr/bin/dash), so the lookup waits for the exec, {@link #EXEC_POLLS} times at most.
 */
public final class RunningBinaries implements AutoCloseable {
    /** Distinct binaries remembered (programs x versions on one host is far below this). */
    static final int CACHE_ENTRIES = 64;
    /** Looks at /proc/PID/exe this many times, {@link #EXEC_POLL_MILLIS} apart, while it still shows the wrapper. */
    static final int EXEC_POLLS = 50;
    static final long EXEC_POLL_MILLIS = 20;
    /** Spawns waiting to be hashed; beyond this (a crash loop of many programs) the newest are dropped. */
    private static final int QUEUE = 256;

    /**
     * @param path   the binary's path as the kernel names it ({@code (deleted)} appended when replaced since)
     * @param sha256 lower-case hex
     */
    public record Binary(String path, String sha256) {
    }

    private record Key(Object device, Object inode, FileTime modified, long size) {
    }

    private final ExecutorService thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "baton-digests");
                t.setDaemon(true);
                t.setPriority(Thread.MIN_PRIORITY);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());
    /** Digest thread only. */
    private final Map<Key, String> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, String> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    /** Program to the pid its digest is for; digest thread only. */
    private final Map<String, Integer> pids = new HashMap<>();
    /** Program name to what it runs; replaced whole, read by any thread. */
    private volatile Map<String, Binary> running = Map.of();

    /**
     * A program got a new process: its binary is hashed in the background. Any thread.
     *
     * @param commandFile the file its command resolves to (called on the digest thread, only when
     *                    /proc/PID/exe cannot be read; may give null)
     */
    public void spawned(String program, int pid, Supplier<Path> commandFile) {
        submit(() -> {
            pids.put(program, pid);
            look(program, pid, commandFile, 0);
        });
    }

    /** A program's process is gone: it runs no binary. Any thread. */
    public void exited(String program) {
        submit(() -> {
            pids.remove(program);
            if (running.containsKey(program)) {
                Map<String, Binary> next = new HashMap<>(running);
                next.remove(program);
                running = Map.copyOf(next);
            }
        });
    }

    /** What each running program runs; a program is absent until its digest is known. */
    public Map<String, Binary> snapshot() {
        return running;
    }

    private void look(String program, int pid, Supplier<Path> commandFile, int polls) {
        if (!Objects.equals(pids.get(program), pid)) {
            return; // exited or restarted meanwhile
        }
        Path exe = Path.of("/proc", Integer.toString(pid), "exe");
        String target;
        try {
            target = Files.readSymbolicLink(exe).toString();
        } catch (AccessDeniedException e) {
            // another user's process without CAP_SYS_PTRACE: the command's file instead
            exe = commandFile.get();
            target = exe == null ? null : exe.toString();
        } catch (IOException | UnsupportedOperationException e) {
            return; // the process is gone: nothing runs
        }
        if (target == null) {
            return;
        }
        if (polls < EXEC_POLLS && isWrapper(target, pid, exe)) {
            sleepQuietly(EXEC_POLL_MILLIS); // this thread's own pace: it has nothing else to do meanwhile
            look(program, pid, commandFile, polls + 1);
            return;
        }
        String digest = digest(exe);
        if (digest != null && Objects.equals(pids.get(program), pid)) {
            Map<String, Binary> next = new HashMap<>(running);
            next.put(program, new Binary(target, digest));
            running = Map.copyOf(next);
        }
    }

    private String digest(Path exe) {
        Key key;
        try {
            Map<String, Object> a = Files.readAttributes(exe, "unix:dev,ino,lastModifiedTime,size");
            key = new Key(a.get("dev"), a.get("ino"), (FileTime) a.get("lastModifiedTime"), (Long) a.get("size"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
        String known = cache.get(key);
        if (known != null) {
            return known;
        }
        try {
            String hex = FileSha256.of(exe);
            cache.put(key, hex);
            return hex;
        } catch (IOException e) {
            return null; // exited meanwhile, or unreadable: no digest rather than a wrong one
        }
    }

    /**
     * True while the process is still one of the wrappers baton starts a program through: setpriv,
     * or the shell that joins the program's cgroup ({@link ProgramCgroups#JOIN}, told by its argv,
     * since a program may well run /bin/sh itself); also when it exec'd while being looked at
     * ({@code /proc/PID/exe}'s target changed: then the next look decides).
     */
    private static boolean isWrapper(String target, int pid, Path exe) {
        if (target.endsWith("/setpriv")) {
            return true;
        }
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
            return ProgramCgroups.isJoinShell(new String(cmdline, StandardCharsets.UTF_8).split("\0", 4))
                    || exe.equals(proc.resolve("exe")) && !target.equals(Files.readSymbolicLink(exe).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return false; // gone meanwhile: nothing to wait for
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void submit(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // closed: the agent is stopping
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
