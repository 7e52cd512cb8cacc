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
 * does as root (cgroups, other users' /proc entries, switching users). Also rebuilt: what
 * {@code StateDirectory=} does before every start of a root service, on a directory that stands for
 * {@code /var/lib/NAME}, and the device allow-list {@code ProtectClock=} implies before systemd 252,
 * in a devices (cgroup v1) group where there is that controller. Directives that only filter system
 * calls or affect the kernel's other interfaces are listed as not rebuilt; any other sandboxing
 * directive fails the build of the prefix, so a directive added to the unit later is not silently
 * left out.
 */
final class UnitSandbox {
    /** Not rebuilt: seccomp filters and namespaces that none of baton's root work touches. */
    private static final Set<String> NOT_REBUILT = Set.of("ProtectKernelModules", "ProtectKernelLogs",
            "ProtectHostname", "LockPersonality", "RestrictSUIDSGID", "RestrictAddressFamilies", "RestrictRealtime",
            // the CDS archive's directory: root's alone, nothing but the agent uses it
            "CacheDirectory", "CacheDirectoryMode");
    private static final Set<String> REBUILT = Set.of("ProtectSystem", "ProtectKernelTunables", "ProtectControlGroups",
            "CapabilityBoundingSet", "NoNewPrivileges", "StateDirectory", "StateDirectoryMode", "ProtectClock");
    /** The devices (cgroup v1) controller, where a unit's device allow-list is rebuilt. */
    static final Path DEVICES = Path.of("/sys/fs/cgroup/devices");
    private static final String DEVICE_CGROUP_PREFIX = "baton-sandbox-";
    /**
     * What systemd lets through besides a unit's DeviceAllow= list under DevicePolicy=auto (the
     * default) or closed: the pseudo-devices (cgroup.c), as {@code devices.allow} lines.
     */
    private static final List<String> PSEUDO_DEVICES = List.of("c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
            "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rw");

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
        if (yes("ProtectClock") && Files.isDirectory(DEVICES)) {
            // systemd before 252 (Ubuntu 22.04 has 249, Debian 11 247) adds DeviceAllow=char-rtc r for
            // ProtectClock=yes whatever DevicePolicy= says; under the default DevicePolicy=auto a device
            // allow-list lets through only what it lists and the pseudo-devices
            mounts.append("g=").append(DEVICES).append('/').append(DEVICE_CGROUP_PREFIX).append("$$; mkdir \"$g\"; ")
                    .append("echo a > \"$g/devices.deny\"; for r in");
            PSEUDO_DEVICES.forEach(r -> mounts.append(" '").append(r).append('\''));
            mounts.append("; do echo \"$r\" > \"$g/devices.allow\"; done; ")
                    .append("rtc=$(awk '$2 == \"rtc\" {print $1}' /proc/devices); ")
                    .append("[ -z \"$rtc\" ] || echo \"c $rtc:* r\" > \"$g/devices.allow\"; echo $$ > \"$g/cgroup.procs\"\n");
        }
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
        java.util.LinkedHashSet<String> bounding = new java.util.LinkedHashSet<>();
        String caps = value("CapabilityBoundingSet", "");
        if (!caps.isEmpty()) {
            bounding.addAll(List.of(boundingSet(caps).split(",")));
        }
        if (yes("ProtectClock")) {
            bounding.addAll(List.of("-sys_time", "-wake_alarm"));
        }
        if (!bounding.isEmpty()) {
            cmd.add("--bounding-set");
            cmd.add(String.join(",", bounding));
        }
        if (yes("NoNewPrivileges")) {
            cmd.add("--no-new-privs");
        }
        return cmd;
    }

    /** Removes the device cgroups {@link #prefix} made (empty once their agent ended). */
    static void removeDeviceCgroups() throws IOException {
        if (!Files.isDirectory(DEVICES)) {
            return;
        }
        try (var made = Files.list(DEVICES)) {
            for (Path g : (Iterable<Path>) made.filter(p -> p.getFileName().toString().startsWith(DEVICE_CGROUP_PREFIX))::iterator) {
                Files.deleteIfExists(g);
            }
        }
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
                || key.startsWith("Device")
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
