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
        for (String instance : enabledInstances(root)) {
            Path template = files.get(SystemdImporter.template(instance));
            if (!files.containsKey(instance) && template != null) {
                files.put(instance, template); // systemd loads an instance from its template's file
            }
        }
        List<Installed> out = new ArrayList<>();
        files.forEach((name, file) -> {
            boolean masked = isMasked(file);
            String exe = masked ? null : executable(file, name, root);
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
        return wantsDirs(root).stream().anyMatch(w -> Files.exists(w.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /** The {@code *.wants/} and {@code *.requires/} directories of the unit directories. */
    private static List<Path> wantsDirs(Path root) {
        List<Path> out = new ArrayList<>();
        for (String dir : SystemdImporter.UNIT_DIRS) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, p -> {
                String f = p.getFileName().toString();
                return Files.isDirectory(p) && (f.endsWith(".wants") || f.endsWith(".requires"));
            })) {
                ds.forEach(out::add);
            } catch (IOException e) {
                // unreadable: not known to be enabled
            }
        }
        return out;
    }

    /** Instances systemctl enable linked ({@code engine@mainnet.service}): they have no file of their own. */
    private static List<String> enabledInstances(Path root) {
        List<String> out = new ArrayList<>();
        for (Path wants : wantsDirs(root)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(wants, "*@?*.service")) {
                ds.forEach(p -> out.add(p.getFileName().toString()));
            } catch (IOException e) {
                // unreadable: not known to be enabled
            }
        }
        return out;
    }

    /**
     * The absolute executable of the last ExecStart= of unit {@code name} as systemd loads it (its file
     * with its drop-ins, where `systemctl edit` puts an ExecStart= that replaces the file's), or null.
     */
    private static String executable(Path file, String name, Path root) {
        try {
            List<Path> files = new ArrayList<>(List.of(file));
            files.addAll(SystemdImporter.dropIns(root, file, name));
            UnitFile unit = UnitFile.read(files);
            List<UnitFile.Entry> starts = unit.list("Service", "ExecStart");
            if (starts.isEmpty()) {
                return null;
            }
            String line = Specifiers.expand(starts.get(starts.size() - 1).value(), name, "localhost");
            List<ExecLine.Command> cmds = ExecLine.parse(line);
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
        } catch (IOException | ExecLine.Invalid | Specifiers.Unknown | RuntimeException e) {
            return null; // a unit systemd could not run either
        }
    }
}
