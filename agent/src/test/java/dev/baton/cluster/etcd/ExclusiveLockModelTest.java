package dev.baton.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.cluster.LockRole;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Promela model of the lock ({@code model/lock.pml}) is checked exhaustively by spin, and it
 * speaks the code's names: a role or method renamed on one side only fails here.
 */
class ExclusiveLockModelTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path MODEL = ROOT.resolve("model/lock.pml");
    private static final Path CLUSTER_SOURCES = ROOT.resolve("agent/src/main/java/dev/baton/cluster");

    @Test
    void spinFindsNoViolationAndStillCatchesTheKnownBadVariants() throws Exception {
        assumeTrue(onPath("spin") && onPath("gcc"), "spin and gcc are not installed (Debian: apt-get install spin gcc)");
        Process p = new ProcessBuilder(ROOT.resolve("model/check.sh").toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "model/check.sh still running");
        System.out.print(output);
        assertEquals(0, p.exitValue(), output);
        assertEquals(9, output.lines().filter(l -> l.startsWith("ok   ")).count(), output);
    }

    @Test
    void theModelsRolesAreExactlyLockRolesConstants() throws IOException {
        Matcher m = Pattern.compile("mtype\\s*=\\s*\\{([^}]*)}").matcher(Files.readString(MODEL));
        assertTrue(m.find(), "no mtype declaration in " + MODEL);
        Set<String> model = Arrays.stream(m.group(1).split(",")).map(String::trim).collect(Collectors.toCollection(TreeSet::new));
        Set<String> code = Arrays.stream(LockRole.values()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(code, model, "model/lock.pml's mtype must list exactly dev.baton.cluster.LockRole's constants");
    }

    @Test
    void everyInlineOfTheModelNamesAMethodOfTheCode() throws IOException {
        List<String> inlines = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^inline\\s+(\\w+)\\s*\\(").matcher(Files.readString(MODEL));
        while (m.find()) {
            if (!m.group(1).startsWith("model_")) {
                inlines.add(m.group(1));
            }
        }
        assertTrue(inlines.size() >= 10, "inlines found: " + inlines);
        String code;
        try (Stream<Path> files = Files.walk(CLUSTER_SOURCES)) {
            code = files.filter(f -> f.toString().endsWith(".java")).map(ExclusiveLockModelTest::read)
                    .collect(Collectors.joining("\n"));
        }
        List<String> missing = inlines.stream()
                .filter(name -> !Pattern.compile("(?m)^\\s+[\\w<>, ?\\[\\]]+\\s" + name + "\\(").matcher(code).find())
                .toList();
        assertEquals(List.of(), missing, "inlines of model/lock.pml without a method of that name in " + CLUSTER_SOURCES
                + ": rename them on both sides (or prefix model-only ones with model_)");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
