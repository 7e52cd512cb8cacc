package dev.baton.hardening;

import dev.baton.agent.AgentProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real agent in its own JVM ({@link AgentProcess}) started with chosen JVM options, an optional
 * AppCDS archive, a command prefix and environment.
 */
final class AgentJvm extends AgentProcess {
    final Path config;

    private AgentJvm(Process process, Path config) {
        super(process);
        this.config = config;
    }

    private static volatile String jarClassPath;

    /**
     * The agent's class path with jars only (AppCDS refuses directories): target/classes is packed
     * into a jar once per test JVM; test classes are left out (the agent does not need them).
     */
    static synchronized String jarClassPath(Path workDir) throws IOException {
        if (jarClassPath != null) {
            return jarClassPath;
        }
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : classPath().split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                if (p.endsWith("test-classes")) {
                    continue;
                }
                Path jar = workDir.resolve("cp-" + (n++) + ".jar");
                try (var zos = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                     var files = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        zos.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString()));
                        Files.copy(f, zos);
                        zos.closeEntry();
                    }
                }
                out.add(jar.toString());
            } else if (!entry.isBlank()) {
                out.add(entry);
            }
        }
        jarClassPath = String.join(java.io.File.pathSeparator, out);
        return jarClassPath;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** JVM options for a small, quick-starting agent; {@code cds} (may be null) is an AppCDS archive. */
    static List<String> jvm(Path cds, boolean createCds) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-Xmx64m", "-Xss512k",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
        if (cds != null) {
            cmd.add(createCds ? "-XX:ArchiveClassesAtExit=" + cds : "-XX:SharedArchiveFile=" + cds);
            cmd.add("-Xlog:cds=off");
            cmd.add("-Xlog:cds+dynamic=off");
        }
        return cmd;
    }

    static Builder with(Path config) {
        return new Builder(config);
    }

    static final class Builder {
        private final Path config;
        private ProcessBuilder.Redirect stdout;
        private Path cds;
        private boolean createCds;
        private final List<String> prefix = new ArrayList<>();
        private final Map<String, String> env = new java.util.HashMap<>();

        Builder(Path config) {
            this.config = config;
            this.stdout = ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.stdout").toFile());
        }

        Builder stdout(ProcessBuilder.Redirect r) {
            stdout = r;
            return this;
        }

        Builder cds(Path archive, boolean create) {
            cds = archive;
            createCds = create;
            return this;
        }

        Builder prefix(String... p) {
            prefix.addAll(List.of(p));
            return this;
        }

        Builder env(String k, String v) {
            env.put(k, v);
            return this;
        }

        AgentJvm start() throws IOException {
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(jvm(cds, createCds));
            String cp = cds == null ? classPath() : jarClassPath(cds.getParent());
            cmd.addAll(List.of("-cp", cp, "dev.baton.cli.Main", "run", "--config", config.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout)
                    .redirectError(ProcessBuilder.Redirect.appendTo(config.resolveSibling("agent.stderr").toFile()));
            pb.environment().putAll(env);
            return new AgentJvm(pb.start(), config);
        }
    }

    String stdoutText() {
        return read(config.resolveSibling("agent.stdout"), StandardCharsets.ISO_8859_1);
    }

    String stderrText() {
        return read(config.resolveSibling("agent.stderr"), StandardCharsets.ISO_8859_1);
    }
}
