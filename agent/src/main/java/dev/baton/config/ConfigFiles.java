package dev.baton.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Finding and reading the config files: the main file and the drop-ins in {@code conf.d/} beside it. */
final class ConfigFiles {
    static final String DROP_IN_DIR = "conf.d";
    private static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

    private ConfigFiles() {
    }

    /** The parsed file; an invalid document (and a problem) when it cannot be read. */
    static TomlDocument read(Path file, Problems problems) {
        String problem;
        try {
            if (Files.isDirectory(file)) {
                problem = "is a directory; expected a TOML file";
            } else if (Files.exists(file) && !Files.isRegularFile(file)) {
                problem = "is not a regular file"; // a FIFO would block the read forever
            } else if (Files.size(file) > MAX_FILE_BYTES) {
                problem = "is larger than 4MiB, which is no config file";
            } else {
                return TomlDocument.parse(file, utf8(Files.readAllBytes(file)), problems);
            }
        } catch (NoSuchFileException e) {
            problem = Files.isSymbolicLink(file) ? "is a symbolic link that leads nowhere: fix or remove it"
                    : "config file not found";
        } catch (AccessDeniedException e) {
            problem = "permission denied: run baton as a user that can read it, or fix the file's mode";
        } catch (CharacterCodingException e) {
            problem = "is not UTF-8 text";
        } catch (IOException e) {
            problem = "cannot be read: " + e;
        }
        problems.add(new Origin(file, 0), "", problem);
        return new TomlDocument(file, null);
    }

    /**
     * The drop-in files beside {@code mainFile}, in name order: every {@code *.toml} in {@code conf.d/}
     * except hidden files. Package-manager leftovers ({@code x.toml.dpkg-old}, {@code x.toml~}) do
     * not end in .toml and are skipped with everything else.
     */
    static List<Path> dropIns(Path mainFile, Problems problems) {
        Path dir = mainFile.resolveSibling(DROP_IN_DIR);
        if (!Files.exists(dir)) {
            if (Files.isSymbolicLink(dir)) {
                // Not "no drop-ins": the programs they define would be stopped by a reload.
                problems.add(new Origin(dir, 0), "", "is a symbolic link that leads nowhere (its target is missing, or "
                        + "links loop): the drop-ins cannot be read. Fix the link, or remove it if there are none");
            }
            return List.of();
        }
        if (!Files.isDirectory(dir)) {
            problems.add(new Origin(dir, 0), "", "is not a directory: drop-in files go in a directory " + DROP_IN_DIR
                    + "/ beside " + mainFile);
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(".toml") && !name.startsWith(".")) {
                    files.add(entry);
                }
            }
        } catch (IOException e) {
            problems.add(new Origin(dir, 0), "", "cannot list the drop-in directory: " + e);
            return List.of();
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return files;
    }

    private static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
