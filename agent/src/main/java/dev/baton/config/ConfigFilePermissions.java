package dev.baton.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An agent running as root runs the configured commands as root (unless a program sets
 * {@code user}): whoever can write a config file, or a directory it is read from, can then run
 * anything as root. So when the agent is root and some program would run as root, every config
 * file and its directory must be owned by root and writable by root only (a group write is
 * allowed for group root). Anything else is a problem that refuses the config (start or reload),
 * naming the file, its owner and mode, and the fix.
 */
public final class ConfigFilePermissions {
    private ConfigFilePermissions() {
    }

    /** The agent's effective uid, from /proc/self/status (-1 when unknown). */
    public static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: no check
        }
        return -1;
    }

    /** Programs that would run as root when the agent runs as root. */
    static List<String> rootPrograms(BatonConfig config) {
        List<String> out = new ArrayList<>();
        for (ProgramConfig p : config.programs().values()) {
            if (p.user() == null || p.user().equals("root") || p.user().equals("0")) {
                out.add(p.name());
            }
        }
        return out;
    }

    /** Adds a problem for each config file or directory that someone other than root could change. */
    static void check(Path mainFile, List<Path> dropIns, BatonConfig config, Problems problems, int euid) {
        if (euid != 0 || config == null) {
            return;
        }
        List<String> root = rootPrograms(config);
        if (root.isEmpty()) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        paths.add(mainFile);
        Path dir = mainFile.toAbsolutePath().getParent();
        if (dir != null) {
            paths.add(dir);
            Path confd = dir.resolve(ConfigFiles.DROP_IN_DIR);
            if (Files.isDirectory(confd)) {
                paths.add(confd);
            }
        }
        paths.addAll(dropIns);
        String who = root.size() <= 3 ? String.join(", ", root) : String.join(", ", root.subList(0, 3)) + " and "
                + (root.size() - 3) + " more";
        for (Path p : paths) {
            String why = unsafe(p);
            if (why != null) {
                problems.add(new Origin(p, 0), "", why + ", and the agent runs as root with programs that run as root ("
                        + who + "): whoever can change it can run commands as root. Make it root's alone: chown root "
                        + p + " && chmod go-w " + p + " (or set user = \"...\" on every program)");
            }
        }
    }

    /** Why this path is not root's alone, or null. */
    static String unsafe(Path p) {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, "unix:uid,gid,mode");
        } catch (IOException | UnsupportedOperationException e) {
            return null; // a missing file is reported elsewhere
        }
        int uid = (Integer) a.get("uid");
        int gid = (Integer) a.get("gid");
        int mode = (Integer) a.get("mode");
        String kind = Files.isDirectory(p) ? "directory" : "file";
        String octal = String.format("%04o", mode & 07777);
        if (uid != 0) {
            return "this " + kind + " is owned by uid " + uid + ", not root";
        }
        if ((mode & 0002) != 0) {
            return "this " + kind + " is writable by every user (mode " + octal + ")";
        }
        if ((mode & 0020) != 0 && gid != 0) {
            return "this " + kind + " is writable by group " + gid + " (mode " + octal + ")";
        }
        return null;
    }
}
