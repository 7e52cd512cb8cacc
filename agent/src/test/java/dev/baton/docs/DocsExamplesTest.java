package dev.baton.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cli.Main;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The docs show what the code does: every TOML example in README.md and docs/*.md loads with the
 * real config loader (a snippet that is only part of a file says so with {@code # fragment} on its
 * first line, and is then only parsed as TOML), and the man page names every command
 * {@code baton --help} lists, and no other.
 */
class DocsExamplesTest {
    private static final Path ROOT = Path.of("..");
    private static final Path MAN = ROOT.resolve("packaging-deb/src/man/baton.1");
    private static final Pattern TOML_BLOCK = Pattern.compile("```toml\n(.*?)```", Pattern.DOTALL);
    private static final String FRAGMENT = "# fragment";

    @Test
    void everyTomlExampleInTheDocsLoads() throws IOException {
        List<String> failures = new ArrayList<>();
        int loaded = 0;
        for (Path doc : docs()) {
            String text = Files.readString(doc);
            Matcher block = TOML_BLOCK.matcher(text);
            while (block.find()) {
                String example = block.group(1);
                int line = 1 + (int) text.substring(0, block.start()).chars().filter(c -> c == '\n').count();
                if (example.startsWith(FRAGMENT)) {
                    continue;
                }
                try {
                    ConfigLoader.parse(example, doc);
                    loaded++;
                } catch (ConfigException e) {
                    // Files an example names on the operator's host (TLS certificates) are not on this one.
                    List<String> real = e.problems().stream().map(Object::toString)
                            .filter(p -> !p.matches(".*: cannot read /etc/\\S+")).toList();
                    if (!real.isEmpty()) {
                        failures.add(ROOT.relativize(doc) + ":" + line + ": " + String.join("\n", real));
                    } else {
                        loaded++;
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(loaded >= 8, "examples loaded: " + loaded); // README, config-reference, api.md...
    }

    @Test
    void theManPageNamesEveryCommandOfHelp() throws IOException {
        Set<String> commands = new TreeSet<>(new CommandLine(new Main()).getSubcommands().keySet());
        String man = Files.readString(MAN).replace("\\-", "-");
        Set<String> missing = new TreeSet<>();
        for (String c : commands) {
            if (!Pattern.compile("(?m)^\\.B " + Pattern.quote(c) + "\\b").matcher(man).find()) {
                missing.add(c);
            }
        }
        assertEquals(Set.of(), missing, "commands of baton --help without a .B entry in " + MAN);
        Matcher entry = Pattern.compile("(?m)^\\.TP\n\\.B ([a-z-]+)").matcher(man);
        Set<String> named = new TreeSet<>();
        while (entry.find()) {
            named.add(entry.group(1));
        }
        named.remove("cds"); // the launcher's own command (bin/baton), not the jar's
        assertEquals(commands, named, "the man page's commands are baton --help's");
    }

    /** {@code baton NAME} in a doc's code (inline or in a block) names a command that exists. */
    @Test
    void everyBatonCommandTheDocsShowExists() throws IOException {
        Set<String> commands = new TreeSet<>(new CommandLine(new Main()).getSubcommands().keySet());
        commands.add("cds"); // the launcher's (bin/baton)
        // In inline code (`baton status`, `sudo baton ...`) and at the start of a line of a code block
        Pattern use = Pattern.compile("(?:`|`sudo |\\n(?:\\$ )?(?:sudo )?|docker exec \\S+ )baton ([a-z][a-z-]*)\\b");
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        List<Path> files = new ArrayList<>(docs());
        files.add(ROOT.resolve("docker/README.md"));
        files.add(ROOT.resolve("packaging-deb/README.md"));
        for (Path doc : files) {
            String text = Files.readString(doc);
            Matcher m = use.matcher(codeOnly(text));
            while (m.find()) {
                checked++;
                if (!commands.contains(m.group(1))) {
                    int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                    unknown.add(ROOT.relativize(doc) + ":" + line + ": baton " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), unknown, "commands the docs show that baton --help does not list");
        assertTrue(checked >= 30, "uses of baton found in the docs' code: " + checked);
    }

    /** The text with prose lines outside code blocks blanked (kept as empty lines, so line numbers hold). */
    private static String codeOnly(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean inBlock = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                out.append('\n');
                continue;
            }
            out.append(inBlock ? line : line.replaceAll("^[^`]*", "")).append('\n');
        }
        return out.toString();
    }

    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }
}
