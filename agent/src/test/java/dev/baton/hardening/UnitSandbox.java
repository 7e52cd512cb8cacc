package dev.baton.hardening;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The sandbox a systemd unit's hardening directives put its service in, rebuilt without systemd
 * (none runs on the test machines) as a command prefix: a private mount namespace with the
 * read-only mounts the {@code Protect*} directives make ({@code unshare --mount}, {@code mount -o
 * remount,bind,ro}), then {@code setpriv} with the unit's capability bounding set and no-new-privs.
 * These are what limit what a root service may do with files and capabilities, which is what baton
 * does as root (cgroups, other users' /proc entries, switching users). {@code StateDirectory=} is
 * rebuilt on a directory that stands for {@code /var/lib/NAME}: what systemd does to it before
 * every start of a root service. Directives that only filter
 * system calls or affect the kernel's other interfaces are listed as not rebuilt; any other
 * sandboxing directive fails the build of the prefix, so a directive added to the unit later is
 * not silently left out.
 */
final class UnitSandbox {
    /** Not rebuilt: seccomp filters and namespaces that none of baton's root work touches. */
    private static final Set<String> NOT_REBUILT = Set.of("ProtectKernelModules", "ProtectKernelLogs", "ProtectClock",
            "ProtectHostname", "LockPersonality", "RestrictSUIDSGID", "RestrictAddressFamilies", "RestrictRealtime",
            // the CDS archive's directory: root's alone, nothing but the agent uses it
            "CacheDirectory", "CacheDirectoryMode");
    private static final Set<String> REBUILT = Set.of("ProtectSystem", "ProtectKernelTunables", "ProtectControlGroups",
            "CapabilityBoundingSet", "NoNewPrivileges", "StateDirectory", "StateDirectoryMode");

    private final Map<String, String> service;

    private UnitSandbox(Map<String, String> service) {
        this.service = service;
    }

    /** The unit's [Service] directives (the last value of each). */
    static UnitSandbox of(Path unit) throws IOException {
        Map<String, String> service = new LinkedHashMap<>();
        String section = "";
        for (String raw : Files.readAllLines(unit)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
            } else if (section.equals("[Service]") && line.contains("=")) {
                service.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return new UnitSandbox(service);
    }

    /**
     * The command prefix that runs what follows it in the unit's sandbox.
     *
     * @param stateDirectory stands for the unit's {@code StateDirectory=} ({@code /var/lib/NAME})
     */
    List<String> prefix(Path stateDirectory) {
        List<String> unknown = service.keySet().stream().filter(UnitSandbox::isSandboxing)
                .filter(k -> !REBUILT.contains(k) && !NOT_REBUILT.contains(k)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("the unit has sandboxing directives this test does not rebuild: " + unknown
                    + "; teach UnitSandbox what each does to a root service, or list it as not rebuilt, with why");
        }
        StringBuilder mounts = new StringBuilder("set -e\n"
                + "ro() { [ -e \"$1\" ] || return 0; mountpoint -q \"$1\" || mount --bind \"$1\" \"$1\"; "
                + "mount -o remount,bind,ro \"$1\"; }\n");
        if (service.containsKey("StateDirectory")) {
            // systemd's setup_exec_directory() for a service without User=: made if missing, chmod'ed to
            // the mode, and chown'ed to root:root, the whole tree, when the top is not root:root already
            mounts.append("d='").append(stateDirectory).append("'; mkdir -p \"$d\"; chmod ")
                    .append(value("StateDirectoryMode", "0755"))
                    .append(" \"$d\"; [ \"$(stat -c %u:%g \"$d\")\" = 0:0 ] || chown -R 0:0 \"$d\"\n");
        }
        switch (value("ProtectSystem", "no")) {
            case "no", "false" -> { }
            case "yes", "true" -> mounts.append("ro /usr; ro /boot; ro /efi\n");
            case "full" -> mounts.append("ro /usr; ro /boot; ro /efi; ro /etc\n");
            default -> throw new IllegalStateException("ProtectSystem=" + value("ProtectSystem", "") + " is not rebuilt");
        }
        if (yes("ProtectKernelTunables")) {
            // /sys itself, not its submounts: systemd leaves /sys/fs/cgroup to ProtectControlGroups
            mounts.append("ro /proc/sys; mount -o remount,bind,ro /sys\n");
        }
        if (yes("ProtectControlGroups")) {
            mounts.append("for m in $(awk '$5 ~ \"^/sys/fs/cgroup(/|$)\" {print $5}' /proc/self/mountinfo); do ro \"$m\"; done\n");
        }
        mounts.append("exec \"$@\"");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", mounts.toString(), "sh", "setpriv"));
        String caps = value("CapabilityBoundingSet", "");
        if (!caps.isEmpty()) {
            cmd.add("--bounding-set");
            cmd.add(boundingSet(caps));
        }
        if (yes("NoNewPrivileges")) {
            cmd.add("--no-new-privs");
        }
        return cmd;
    }

    /** {@code ~CAP_A CAP_B} (all but these) or {@code CAP_A CAP_B} (only these), as setpriv's list. */
    static String boundingSet(String directive) {
        boolean inverted = directive.startsWith("~");
        List<String> out = new ArrayList<>();
        if (!inverted) {
            out.add("-all");
        }
        for (String cap : directive.replaceFirst("^~", "").trim().split("\\s+")) {
            out.add((inverted ? "-" : "+") + cap.toLowerCase(Locale.ROOT).replaceFirst("^cap_", ""));
        }
        return String.join(",", out);
    }

    private static boolean isSandboxing(String key) {
        return key.matches("(State|Cache|Logs|Runtime|Configuration)Directory(Mode)?")
                || key.startsWith("Protect") || key.startsWith("Private") || key.startsWith("Restrict")
                || key.startsWith("SystemCall") || key.endsWith("Capabilities") || key.endsWith("Paths")
                || Set.of("CapabilityBoundingSet", "NoNewPrivileges", "DynamicUser", "User", "MemoryDenyWriteExecute",
                "LockPersonality", "RootDirectory", "RootImage").contains(key);
    }

    private String value(String key, String fallback) {
        return service.getOrDefault(key, fallback).trim().toLowerCase(Locale.ROOT);
    }

    private boolean yes(String key) {
        return Set.of("yes", "true", "1", "on").contains(value(key, "no"));
    }
}
