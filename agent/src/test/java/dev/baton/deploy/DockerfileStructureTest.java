package dev.baton.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs on our machines: this checks docker/Dockerfile's structure instead (its
 * build is proven by the parts it reuses: the Maven build, jlink's module list, the launcher).
 */
class DockerfileStructureTest {
    static final Path REPO = Path.of("").toAbsolutePath().getFileName().toString().equals("agent")
            ? Path.of("..").toAbsolutePath().normalize() : Path.of("").toAbsolutePath();
    static final Path DOCKER = REPO.resolve("docker");

    /** One instruction, continuation lines joined. */
    record Instr(String op, String args, int line) {
    }

    /** One build stage. */
    record Stage(String image, String name, List<Instr> instrs) {
        List<Instr> all(String op) {
            return instrs.stream().filter(i -> i.op.equals(op)).toList();
        }
    }

    static List<Stage> stages;

    @BeforeAll
    static void parse() throws IOException {
        stages = new ArrayList<>();
        List<String> lines = Files.readAllLines(DOCKER.resolve("Dockerfile"));
        StringBuilder cur = null;
        int start = 0;
        for (int n = 0; n < lines.size(); n++) {
            String l = lines.get(n);
            if (cur == null && (l.isBlank() || l.strip().startsWith("#"))) {
                continue;
            }
            if (cur != null && l.strip().startsWith("#")) {
                continue; // comments inside a continued instruction
            }
            if (cur == null) {
                cur = new StringBuilder();
                start = n + 1;
            }
            boolean more = l.endsWith("\\");
            cur.append(more ? l.substring(0, l.length() - 1) : l).append(' ');
            if (!more) {
                add(cur.toString().strip(), start);
                cur = null;
            }
        }
    }

    private static void add(String text, int line) {
        int sp = text.indexOf(' ');
        String op = text.substring(0, sp).toUpperCase();
        String args = text.substring(sp + 1).strip();
        if (op.equals("FROM")) {
            Matcher m = Pattern.compile("(?i)(\\S+)(?:\\s+AS\\s+(\\S+))?").matcher(args);
            assertTrue(m.matches(), "FROM at line " + line);
            stages.add(new Stage(m.group(1), m.group(2), new ArrayList<>()));
        } else {
            assertFalse(stages.isEmpty(), op + " before FROM at line " + line);
            stages.get(stages.size() - 1).instrs().add(new Instr(op, args, line));
        }
    }

    static Stage last() {
        return stages.get(stages.size() - 1);
    }

    static Stage stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no stage named " + name));
    }

    @Test
    void multiStageWithTwoEngineVersionsFromTheirImages() {
        assertTrue(stages.size() >= 4, "engine stages, a build stage, the final image: " + stages.size());
        assertTrue(stage("engine-1-0").image().startsWith("chainfliplabs/chainflip-engine:"));
        assertTrue(stage("engine-1-1").image().startsWith("chainfliplabs/chainflip-engine:"));
        List<String> copied = last().all("COPY").stream().map(Instr::args).toList();
        for (String[] e : new String[][] {{"engine-1-0", "/usr/local/bin/chainflip-engine1.0"},
                {"engine-1-1", "/usr/local/bin/chainflip-engine1.1"}}) {
            assertTrue(copied.stream().anyMatch(c -> c.startsWith("--from=" + e[0] + " ") && c.endsWith(" " + e[1])),
                    e[0] + " copied to " + e[1] + ": " + copied);
        }
        assertTrue(copied.stream().anyMatch(c -> c.startsWith("--from=build ") && c.contains("/opt/baton")),
                "baton and its runtime come from the build stage");
    }

    @Test
    void buildStageBuildsBatonWithJava17AndShipsTheLauncher() {
        Stage build = stage("build");
        assertTrue(build.image().contains("temurin-17") || build.image().contains("jdk-17"), build.image());
        assertTrue(build.all("RUN").stream().anyMatch(r -> r.args().contains("mvn") && r.args().contains("package")));
        assertTrue(build.all("COPY").stream().anyMatch(c -> c.args().equals("bin/baton /opt/baton/bin/baton")),
                "the launcher is /opt/baton/bin/baton");
        assertTrue(build.all("RUN").stream().anyMatch(r -> r.args().contains("/opt/baton/share/baton/baton.jar")),
                "the jar where the launcher looks for it: <bin>/../share/baton/baton.jar");
        assertTrue(build.all("RUN").stream().anyMatch(r -> r.args().contains("/opt/baton/share/baton/baton-cluster.jar")),
                "the etcd client beside baton.jar, where [cluster] looks for it");
    }

    @Test
    void jffisLibraryIsUnpackedWhereTheLauncherLoadsIt() throws IOException {
        // Else jffi writes it to /tmp or the working directory at each start: both read-only under --read-only.
        assertTrue(stage("build").all("RUN").stream().anyMatch(r -> r.args().contains("libjffi-1.2.so")
                        && r.args().contains("/opt/baton/lib/baton/libjffi-1.2.so")),
                "jffi's library unpacked to /opt/baton/lib/baton (<bin>/../lib/baton)");
        String launcher = Files.readString(REPO.resolve("bin/baton"));
        assertTrue(launcher.contains("native=$here/../lib/baton") && launcher.contains("-Djffi.boot.library.path="),
                "the launcher loads jffi from <bin>/../lib/baton");
    }

    @Test
    void jlinkIncludesTheModulesBatonNeeds() {
        Instr jlink = stage("build").all("RUN").stream().filter(r -> r.args().startsWith("jlink "))
                .findFirst().orElseThrow(() -> new AssertionError("no jlink step"));
        Matcher m = Pattern.compile("--add-modules\\s+(\\S+)").matcher(jlink.args());
        assertTrue(m.find(), jlink.args());
        Set<String> modules = new LinkedHashSet<>(Arrays.asList(m.group(1).split(",")));
        // jdeps --print-module-deps on the shaded jar (minus java.desktop/java.compiler, see the
        // Dockerfile), plus the modules loaded by name or service that jdeps cannot see.
        for (String needed : List.of("java.base", "java.logging", "java.management", "java.naming", "java.sql",
                "java.security.jgss", "java.security.sasl", "jdk.jfr", "jdk.management", "jdk.unsupported",
                "jdk.httpserver", "jdk.crypto.ec", "java.net.http")) {
            assertTrue(modules.contains(needed), "jlink lacks " + needed + ": " + modules);
        }
        assertTrue(jlink.args().contains("--generate-cds-archive"), "base CDS archive for AppCDS");
        assertTrue(jlink.args().contains("--output /opt/baton/runtime"));
        assertTrue(last().all("ENV").stream().anyMatch(e -> e.args().contains("JAVA_HOME=/opt/baton/runtime")),
                "the launcher finds the trimmed runtime through JAVA_HOME");
    }

    @Test
    void runsAsNonRootWithBatonRunAsExecFormEntrypoint() throws IOException {
        List<Instr> users = last().all("USER");
        assertFalse(users.isEmpty(), "USER in the final stage");
        String user = users.get(users.size() - 1).args();
        assertFalse(user.equals("root") || user.equals("0") || user.startsWith("0:") || user.startsWith("root:"),
                "runs as " + user);
        Instr lastUser = users.get(users.size() - 1);
        assertTrue(last().all("RUN").stream().allMatch(r -> r.line() < lastUser.line()),
                "no RUN after switching to the unprivileged user (they would fail)");

        List<Instr> eps = last().all("ENTRYPOINT");
        assertEquals(1, eps.size());
        List<String> argv = Arrays.asList(new ObjectMapper().readValue(eps.get(0).args(), String[].class));
        assertEquals(List.of("/opt/baton/bin/baton", "run", "--config", "/etc/baton/baton.toml"), argv,
                "exec form (JSON): no /bin/sh -c between Docker and baton, which is PID 1");
        assertTrue(last().all("CMD").isEmpty(), "no CMD appended to the entrypoint");
        String launcher = Files.readString(REPO.resolve("bin/baton"));
        assertTrue(Pattern.compile("(?m)^exec \"\\$java\"").matcher(launcher).find(),
                "the launcher execs java, so the JVM itself is PID 1");
    }

    @Test
    void theConfigItCopiesLoads() throws Exception {
        Instr copy = last().all("COPY").stream().filter(c -> c.args().endsWith(" /etc/baton/baton.toml"))
                .findFirst().orElseThrow(() -> new AssertionError("no COPY of /etc/baton/baton.toml"));
        Path src = REPO.resolve(copy.args().split("\\s+")[0]);
        assertTrue(Files.isRegularFile(src), src + " exists in the repository");
        String text = Files.readString(src);
        JsonNode c = new TomlMapper().readTree(text);
        assertEquals("raw", c.at("/agent/log_mode").asText(), "JSON lines stay intact on the container log");
        assertTrue(c.at("/agent/exit_on_fatal").isBoolean());
        JsonNode programs = c.get("programs");
        assertNotNull(programs);
        Set<String> commands = new LinkedHashSet<>();
        programs.forEach(p -> commands.add(p.at("/command/0").asText()));
        assertEquals(Set.of("/usr/local/bin/chainflip-engine1.1", "/usr/local/bin/chainflip-engine1.0"), commands,
                "the commands are the binaries the Dockerfile copies");
        programs.forEach(p -> assertEquals("chainflip", p.get("engine_group").asText()));

        // With the agent's own loader on the classpath (after integration), the file must load there too.
        try {
            Class<?> loader = Class.forName("dev.baton.config.ConfigLoader");
            Method parse = loader.getMethod("parse", String.class, Path.class);
            try {
                parse.invoke(null, text, src);
            } catch (InvocationTargetException e) {
                fail("docker/baton.toml does not load: " + e.getCause().getMessage());
            }
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            // loader not on this branch yet: the Jackson parse above is the check
        }
    }

    @Test
    void theHealthcheckAsksReadyzAndFailsWhenItIsNotReady() throws Exception {
        List<Instr> checks = last().all("HEALTHCHECK");
        assertEquals(1, checks.size(), "one HEALTHCHECK in the final image");
        String args = checks.get(0).args();
        List<String> argv = Arrays.asList(new ObjectMapper().readValue(args.substring(args.indexOf("CMD") + 3).strip(),
                String[].class));
        assertEquals("/bin/bash", argv.get(0), "exec form; bash for /dev/tcp (the image has no curl)");
        String probe = argv.get(2);
        assertTrue(probe.contains("/dev/tcp/127.0.0.1/9176") && probe.contains("GET /readyz"), probe);
        for (String config : List.of("baton.toml", "demo.toml")) {
            JsonNode c = new TomlMapper().readTree(Files.readString(DOCKER.resolve(config)));
            assertEquals(9176, c.at("/api/port").asInt(9176), config + " serves the port the probe asks");
            assertFalse(c.at("/api/enabled").isBoolean() && !c.at("/api/enabled").asBoolean(), config + " has its API on");
        }
        // The probe itself, against a server that answers like the agent's /readyz: 200, then 503.
        int[] status = {200};
        HttpServer readyz = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        readyz.createContext("/readyz", exchange -> {
            boolean hostOk = "localhost".equals(exchange.getRequestHeaders().getFirst("Host"));
            byte[] body = "{\"ready\":true,\"reasons\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(hostOk ? status[0] : 403, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        readyz.start();
        try {
            String local = probe.replace("/9176", "/" + readyz.getAddress().getPort());
            assertEquals(0, bash(local), "ready: healthy");
            status[0] = 503;
            assertTrue(bash(local) != 0, "not ready: unhealthy");
        } finally {
            readyz.stop(0);
        }
        assertTrue(bash(probe.replace("/9176", "/1")) != 0, "nothing listening: unhealthy");
    }

    private static int bash(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/bash", "-c", script).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "the probe ends");
        return p.exitValue();
    }

    @Test
    void theDemoConfigInsideRunsTheSimulatedEnginesFromTheImagesJar() throws Exception {
        assertTrue(last().all("COPY").stream().anyMatch(c -> c.args().equals("docker/demo.toml /etc/baton/demo.toml")),
                "the demo config is in the image");
        String text = Files.readString(DOCKER.resolve("demo.toml"));
        JsonNode c = new TomlMapper().readTree(text);
        List<String> programs = new ArrayList<>();
        c.get("programs").fields().forEachRemaining(e -> {
            programs.add(e.getKey());
            JsonNode cmd = e.getValue().get("command");
            assertEquals("/opt/baton/runtime/bin/java", cmd.get(0).asText(), "the image's trimmed runtime");
            assertTrue(cmd.toString().contains("\"/opt/baton/share/baton/baton.jar\",\"dev.baton.sim.EngineSimulator\""),
                    cmd.toString());
            assertTrue(cmd.toString().contains("/var/lib/baton/demo/release"), cmd.toString());
        });
        assertEquals(2, programs.size());
        assertTrue(last().all("RUN").stream().anyMatch(r -> r.args().contains("echo 1.0.0 > /var/lib/baton/demo/release")
                && r.args().contains("check-config -q --config /etc/baton/demo.toml")),
                "the release file exists and the demo config is checked at build time");
        try {
            Class.forName("dev.baton.config.ConfigLoader").getMethod("parse", String.class, Path.class)
                    .invoke(null, text, DOCKER.resolve("demo.toml"));
        } catch (InvocationTargetException e) {
            fail("docker/demo.toml does not load: " + e.getCause().getMessage());
        }
    }

    @Test
    void composeExampleUsesTheImageWithAGracePeriodAboveBatonsShutdown() throws IOException {
        String compose = Files.readString(DOCKER.resolve("compose.yaml"));
        Matcher grace = Pattern.compile("stop_grace_period:\\s*(\\d+)s").matcher(compose);
        assertTrue(grace.find(), "stop_grace_period set");
        JsonNode c = new TomlMapper().readTree(Files.readString(DOCKER.resolve("baton.toml")));
        String shutdown = c.at("/agent/shutdown_timeout").asText();
        assertTrue(shutdown.endsWith("s"), shutdown);
        assertTrue(Integer.parseInt(grace.group(1)) > Integer.parseInt(shutdown.replace("s", "")),
                "Docker must not SIGKILL baton before its own shutdown timeout");
        long stops = 0;
        for (JsonNode p : c.get("programs")) {
            stops += Integer.parseInt(p.get("stop_timeout").asText().replace("s", ""));
        }
        assertTrue(stops <= Integer.parseInt(shutdown.replace("s", "")),
                "the programs' stop timeouts, one after the other, fit in shutdown_timeout");
    }
}
