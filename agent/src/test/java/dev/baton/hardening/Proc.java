package dev.baton.hardening;

import dev.baton.process.os.ProcStat;
import dev.baton.process.os.ProcessTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** What the hardening tests count, read from /proc: tagged processes, zombies, fds, threads, RSS, CPU. */
final class Proc {
    private Proc() {
    }

    /** A live process spawned by baton, with the tags ChildEnvironment put in its environment. */
    record Tagged(int pid, int ppid, char state, String comm, String agent, String program, String instance) {
    }

    static List<Integer> pids() {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    static Map<String, String> environ(int pid) {
        Map<String, String> env = new HashMap<>();
        try {
            String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.ISO_8859_1);
            for (String kv : raw.split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            // gone, or a zombie
        }
        return env;
    }

    /** Live (non-zombie) processes carrying BATON_AGENT=agentId (any agentId when null). */
    static List<Tagged> tagged(String agentId) {
        List<Tagged> out = new ArrayList<>();
        for (int pid : pids()) {
            Map<String, String> env = environ(pid);
            String agent = env.get("BATON_AGENT");
            if (agent == null || (agentId != null && !agent.equals(agentId))) {
                continue;
            }
            Optional<ProcStat> st = ProcessTable.stat(pid);
            if (st.isPresent() && !st.get().isZombie()) {
                out.add(new Tagged(pid, st.get().ppid(), st.get().state(), st.get().comm(), agent,
                        env.get("BATON_PROGRAM"), env.get("BATON_INSTANCE")));
            }
        }
        return out;
    }

    /** Distinct instance tags alive per program: more than one for a program is two copies running. */
    static Map<String, List<String>> instancesByProgram(List<Tagged> tagged) {
        Map<String, List<String>> out = new HashMap<>();
        for (Tagged t : tagged) {
            List<String> l = out.computeIfAbsent(t.program(), k -> new ArrayList<>());
            if (!l.contains(t.instance())) {
                l.add(t.instance());
            }
        }
        return out;
    }

    static List<Integer> zombieChildren(long ppid) {
        return ProcessTable.zombieChildrenOf((int) ppid);
    }

    static boolean alive(long pid) {
        return ProcessTable.stat((int) pid).filter(s -> !s.isZombie()).isPresent();
    }

    /** Open file descriptors (entries of /proc/PID/fd); -1 when gone. */
    static int fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    static long rssKb(long pid) {
        return statusField(pid, "VmRSS:");
    }

    private static long statusField(long pid, String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith(field)) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** utime + stime of the process in clock ticks (1/100 s on Linux); -1 when gone. */
    static long cpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // fields after comm start at field 3 (state): utime is field 14, stime 15
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Ancestors of pid (parent first), up to init. */
    static List<Integer> ancestors(int pid) {
        List<Integer> out = new ArrayList<>();
        int cur = pid;
        for (int i = 0; i < 64; i++) {
            Optional<ProcStat> st = ProcessTable.stat(cur);
            if (st.isEmpty() || st.get().ppid() <= 0) {
                break;
            }
            cur = st.get().ppid();
            out.add(cur);
        }
        return out;
    }
}
