package dev.baton.config.systemd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service units installed on a host and the executable each one starts, with whether it is
 * enabled (a link in a {@code *.wants/} or {@code *.requires/} directory) or masked (its name linked
 * to /dev/null): what tells baton that systemd would start a second copy of one of its programs.
 */
public final class InstalledUnits {
    private InstalledUnits() {
    }

    /** One unit: its name, its file, the executable of its ExecStart= (resolved as systemd resolves it). */
    public record Installed(String name, Path file, String executable, boolean enabled, boolean masked) {
    }

    public static List<Installed> scan(Path root) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String dir : SystemdImporter.UNIT_DIRS) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.service")) {
                for (Path p : ds) {
                    files.putIfAbsent(p.getFileName().toString(), p); // the highest directory wins
                }
            } catch (IOException e) {
                // an unreadable unit directory: nothing known there
            }
        }
        List<Installed> out = new ArrayList<>();
        files.forEach((name, file) -> {
            boolean masked = isMasked(file);
            String exe = masked ? null : executable(file, root);
            if (exe != null || masked) {
                out.add(new Installed(name, file, exe, enabled(root, name), masked));
            }
        });
        return out;
    }

    private static boolean isMasked(Path file) {
        try {
            return Files.isSymbolicLink(file) && Files.readSymbolicLink(file).toString().equals("/dev/null");
        } catch (IOException e) {
            return false;
        }
    }

    /** True when a {@code *.wants/} or {@code *.requires/} directory links {@code name}: systemctl enable made it start. */
    static boolean enabled(Path root, String name) {
        for (String dir : SystemdImporter.UNIT_DIRS) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, p -> {
                String f = p.getFileName().toString();
                return Files.isDirectory(p) && (f.endsWith(".wants") || f.endsWith(".requires"));
            })) {
                for (Path wants : ds) {
                    if (Files.exists(wants.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // unreadable: not known to be enabled
            }
        }
        return false;
    }

    /** The absolute executable of the unit's last ExecStart=, or null. */
    private static String executable(Path file, Path root) {
        try {
            UnitFile unit = UnitFile.read(List.of(file));
            List<UnitFile.Entry> starts = unit.list("Service", "ExecStart");
            if (starts.isEmpty()) {
                return null;
            }
            List<ExecLine.Command> cmds = ExecLine.parse(starts.get(starts.size() - 1).value());
            String exe = cmds.get(0).words().get(0);
            if (exe.startsWith("/")) {
                return exe;
            }
            for (String d : SystemdImporter.EXEC_SEARCH) {
                if (Files.isExecutable(root.resolve(d).resolve(exe))) {
                    return "/" + d + "/" + exe;
                }
            }
            return null;
        } catch (IOException | ExecLine.Invalid | RuntimeException e) {
            return null; // a unit systemd could not run either
        }
    }
}
