package dev.baton.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Reads a program's {@code command} (argv array, or a string split like a shell would) with {@code shell}. */
final class CommandSetting {
    static final String EXAMPLE = "command = [\"/usr/bin/chainflip-engine\", \"--config-root\", \"/etc/chainflip\"]";
    static final List<String> SHELL = List.of("/bin/sh", "-c");

    private CommandSetting() {
    }

    /** The argv; empty after a problem was reported. */
    static List<String> read(ConfigNode node, boolean shell) {
        JsonNode value = node.value("command");
        if (value == null) {
            node.problem("command", "missing: every program needs a command, such as " + EXAMPLE);
            return List.of();
        }
        List<String> argv;
        if (value.isTextual()) {
            argv = shell ? shellCommand(node) : splitCommand(node);
        } else if (value.isArray()) {
            if (shell) {
                node.problem("command", "shell = true takes the command as one string for /bin/sh -c; an array is run "
                        + "as it is: remove shell = true, or write the command as a string");
                return List.of();
            }
            argv = node.stringList("command", null); // null: an item was reported
        } else {
            node.problem("command", "expected an array of strings such as " + EXAMPLE.substring("command = ".length())
                    + " or a string, got " + ConfigNode.describe(value));
            return List.of();
        }
        return checked(node, argv);
    }

    private static List<String> shellCommand(ConfigNode node) {
        String line = node.string("command", "");
        return line.isBlank() ? List.of() : List.of(SHELL.get(0), SHELL.get(1), line);
    }

    private static List<String> splitCommand(ConfigNode node) {
        String line = node.string("command", "");
        ShellWords.Split split;
        try {
            split = ShellWords.split(line);
        } catch (IllegalArgumentException e) {
            node.problem("command", "the command " + e.getMessage() + ": close it, or write the command as an array");
            return null;
        }
        if (split.needsShell() != null) {
            node.problem("command", "contains '" + split.needsShell() + "', which only a shell understands: set "
                    + "shell = true to run it with /bin/sh -c, or write the command as an array such as "
                    + EXAMPLE.substring("command = ".length()));
            return null;
        }
        return split.words();
    }

    /** Empty commands and relative paths such as ./x (they would depend on the working directory). */
    private static List<String> checked(ConfigNode node, List<String> argv) {
        if (argv == null) {
            return List.of(); // already reported
        }
        if (argv.isEmpty() || argv.get(0).isBlank()) {
            node.problem("command", "is empty: give the program to run, such as " + EXAMPLE);
            return List.of();
        }
        String program = argv.get(0);
        if (!program.startsWith("/") && program.contains("/")) {
            node.problem("command", "'" + program + "' is a relative path: write it absolute (such as /usr/bin/"
                    + program.substring(program.lastIndexOf('/') + 1) + "), or as a bare name looked up in PATH");
            return List.of();
        }
        return argv;
    }
}
