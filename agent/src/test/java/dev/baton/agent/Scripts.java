package dev.baton.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes small shell programs for tests: real processes with the behaviour a test needs. */
final class Scripts {
    private Scripts() {
    }

    static Path write(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** A TOML program section. */
    static String program(String name, String command, String... extraLines) {
        StringBuilder sb = new StringBuilder("[programs." + name + "]\ncommand = " + command + "\n");
        for (String l : extraLines) {
            sb.append(l).append('\n');
        }
        return sb.append('\n').toString();
    }

    static String quote(Path p) {
        return "[\"" + p + "\"]";
    }
}
