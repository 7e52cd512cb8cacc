package dev.baton.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A root agent acts only on configuration nobody but root can change, as sshd's StrictModes does:
 * whoever can write a config file, a drop-in or a directory on their way chooses the commands
 * baton runs and as whom, and the files baton writes as root (a program's {@code log.file}, the
 * {@code token_file}, the state directory). So when the agent is root, every config file and
 * every path the config makes baton write must be root's alone ({@link TrustedPaths}); anything
 * else refuses the config (start and every reload), naming the path, its owner or mode, and the fix.
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

    /** Adds a problem for each config file, directory or written path that someone other than root could change. */
    static void check(Path mainFile, List<Path> dropIns, BatonConfig config, Problems problems, int euid) {
        if (euid != 0) {
            return;
        }
        List<Path> read = new ArrayList<>();
        read.add(mainFile);
        Path dir = mainFile.toAbsolutePath().getParent();
        if (dir != null) {
            read.add(dir.resolve(ConfigFiles.DROP_IN_DIR));
        }
        read.addAll(dropIns);
        for (Path p : read) {
            TrustedPaths.Finding f = TrustedPaths.whyUntrusted(p, false);
            if (f != null) {
                String what = f.path().equals(p) ? f.reason() : f.toString();
                problems.add(new Origin(p, 0), "", what + ", and the agent runs as root: whoever can change it chooses "
                        + "the commands baton runs as root. Make it root's alone: " + f.fix());
            }
        }
        if (config == null) {
            return;
        }
        Origin main = new Origin(mainFile, 0);
        if (config.cluster() != null) {
            // Read, not written: but whoever can swap the CA or key can stand in for etcd, or for this host
            // (also towards the other members, over the failsafe peer channel).
            var settings = config.cluster().settings();
            var tlsFiles = new java.util.LinkedHashSet<Path>();
            for (var tls : java.util.Arrays.asList(settings.tls(),
                    settings.failsafe() == null ? null : settings.failsafe().tls())) {
                if (tls != null) {
                    java.util.stream.Stream.of(tls.ca(), tls.cert(), tls.key()).filter(p -> p != null).forEach(tlsFiles::add);
                }
            }
            for (Path file : tlsFiles) {
                TrustedPaths.Finding f = TrustedPaths.whyUntrusted(file, false);
                if (f != null) {
                    problems.add(main, "cluster", "the TLS file " + file + " is not root's alone: " + f + ": whoever can "
                            + "change it could stand in for etcd or for this host. Make it root's alone: " + f.fix());
                }
            }
        }
        written(main, config.agent().stateDir(), "agent.state_dir", problems);
        if (config.api().tokenFile() != null) {
            written(main, config.api().tokenFile(), "api.token_file", problems);
        }
        for (ProgramConfig p : config.programs().values()) {
            if (p.log().file() != null) {
                written(p.origin() == null ? main : p.origin(), p.log().file(),
                        TomlSyntax.path(List.of(Section.PROGRAMS.key, p.name(), "log", "file")), problems);
            }
        }
    }

    private static void written(Origin origin, Path path, String key, Problems problems) {
        TrustedPaths.Finding f = TrustedPaths.whyUntrusted(path, true);
        if (f != null) {
            problems.add(origin, key, "the root agent writes " + path + ", but " + f + ": whoever can change that could "
                    + "make baton overwrite any file as root (a planted symbolic link). Use a directory only root can "
                    + "write, or make it root's alone: " + f.fix());
        }
    }
}
