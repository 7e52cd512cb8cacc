package dev.baton.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cluster.ClusterSettings;
import dev.baton.cluster.ExclusiveProgramSettings;
import dev.baton.cluster.FailsafeSettings;
import dev.baton.cluster.ReadinessSpec;
import dev.baton.cluster.TlsFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [cluster]} and {@code exclusive = {...}}: read, checked by the cluster's timing rules, reported at file:line:key. */
class ClusterConfigTest {
    static final Path FILE = Path.of("/etc/baton/baton.toml");

    static final String CLUSTER = """
            [cluster]
            endpoints = ["http://10.0.0.5:2379", "http://10.0.0.6:2379"]
            host = "validator-1"
            """;

    @TempDir
    Path dir;

    private static String problems(String toml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(toml, FILE));
        return e.problems().stream().map(Object::toString).collect(Collectors.joining("\n"));
    }

    private static void assertProblem(String toml, String... fragments) {
        String all = problems(toml);
        for (String f : fragments) {
            assertTrue(all.contains(f), () -> "expected \"" + f + "\" in:\n" + all);
        }
    }

    @Test
    void warmStandbyIdentityHooksAndASafeMoment() throws ConfigException {
        BatonConfig c = ConfigLoader.parse(CLUSTER + """
                lease_ttl = "30s"

                [programs.validator]
                command = ["/usr/bin/validator", "--identity", "/etc/solana/unstaked.json"]
                stop_timeout = "5s"

                [programs.validator.exclusive]
                lock = "identity"
                ready_url = "http://127.0.0.1:8899/health"
                safe_moment = ["/usr/local/bin/no-leader-slot-soon", "20"]

                [programs.validator.exclusive.identity]
                acquire = ["/usr/local/bin/identity", "acquire"]
                release = ["/usr/local/bin/identity", "release"]
                verify_released = ["/usr/local/bin/identity", "verify"]
                timeout = "15s"
                """, FILE);
        ExclusiveProgramSettings e = c.cluster().exclusive().get(0);
        assertEquals(new dev.baton.cluster.IdentityHooks(List.of("/usr/local/bin/identity", "acquire"),
                List.of("/usr/local/bin/identity", "release"), List.of("/usr/local/bin/identity", "verify"),
                Duration.ofSeconds(15)), e.identity());
        assertEquals(new ReadinessSpec.Command(List.of("/usr/local/bin/no-leader-slot-soon", "20"), Duration.ofSeconds(10)),
                e.safeMoment());
        assertEquals(Duration.ofSeconds(21), e.fenceBudget(c.cluster().settings()), "release timeout + stop + margin");
        // It runs on every host: the supervisor starts it, the cluster moves only its identity.
        assertEquals(Map.of(), c.cluster().managedPrograms());
        assertEquals(Map.of("validator", "identity"), c.cluster().identityPrograms());
    }

    @Test
    void warmStandbyMistakesAreReportedAtTheirKeys() {
        String base = CLUSTER + """

                [programs.validator]
                command = ["/usr/bin/validator"]
                stop_timeout = "5s"

                [programs.secondary]
                command = ["/usr/bin/validator"]

                [programs.validator.exclusive]
                lock = "identity"
                ready = "always"
                """;
        String hooks = """

                [programs.validator.exclusive.identity]
                acquire = ["/bin/true"]
                release = ["/bin/true"]
                """;
        assertProblem(base + "\n[programs.validator.exclusive.identity]\nacquire = [\"/bin/true\"]\n", "missing release");
        assertProblem(base + "standby_program = \"secondary\"\n" + hooks, "standby_program: not with identity");
        assertProblem(base + hooks + "timeout = \"10s\"\n", "identity.timeout 10s", "raise lease_ttl to at least 22s",
                "or lower identity.timeout or the stop_timeout");
        assertProblem(base + hooks + "verify = [\"/bin/true\"]\n", "verify");
        assertProblem(base + "safe_moment_timeout = \"5s\"\n", "only with safe_moment");
    }

    @Test
    void withoutClusterThereIsNone() throws ConfigException {
        assertNull(ConfigLoader.parse("[programs.a]\ncommand = \"/bin/a\"\n", FILE).cluster());
    }

    @Test
    void clusterWithDefaultsAndExclusivePrograms() throws ConfigException {
        BatonConfig c = ConfigLoader.parse(CLUSTER + """

                [programs.validator]
                command = ["/usr/bin/validator"]
                stop_timeout = "5s"
                exclusive = { lock = "identity", ready_url = "http://127.0.0.1:8899/health", standby_program = "secondary" }

                [programs.secondary]
                command = ["/usr/bin/validator", "--secondary"]

                [programs.node]
                command = ["/usr/bin/node"]
                """, FILE);
        ClusterSettings s = c.cluster().settings();
        assertEquals(List.of(URI.create("http://10.0.0.5:2379"), URI.create("http://10.0.0.6:2379")), s.endpoints());
        assertEquals("validator-1", s.host());
        assertEquals(ClusterSettings.DEFAULT_LEASE_TTL, s.leaseTtl());
        assertEquals("/baton/", s.keyPrefix());
        assertNull(s.tls());
        assertEquals(List.of(new ExclusiveProgramSettings("validator", "identity",
                new ReadinessSpec.Http(URI.create("http://127.0.0.1:8899/health"), Duration.ofSeconds(5)), "secondary",
                Duration.ofSeconds(5))), c.cluster().exclusive());
        assertEquals(Map.of("validator", "identity", "secondary", "identity"), c.cluster().managedPrograms());
    }

    @Test
    void everyReadinessKind() throws ConfigException {
        BatonConfig c = ConfigLoader.parse(CLUSTER + """
                [programs.a]
                command = "/bin/a"
                stop_timeout = "1s"
                exclusive = { lock = "la", ready_command = ["/usr/bin/caught-up", "--lag", "10"], ready_timeout = "2s" }
                [programs.b]
                command = "/bin/b"
                stop_timeout = "1s"
                exclusive = { lock = "lb", ready = "always" }
                [programs.c]
                command = "/bin/c"
                stop_timeout = "1s"
                exclusive = { lock = "lc", ready_role = ["active", "WAITING"], standby_program = "c-standby" }
                [programs.c-standby]
                command = "/bin/c"
                engine_group = "chainflip"
                """, FILE);
        Map<String, ReadinessSpec> byProgram = c.cluster().exclusive().stream()
                .collect(Collectors.toMap(ExclusiveProgramSettings::program, ExclusiveProgramSettings::readiness));
        assertEquals(new ReadinessSpec.Command(List.of("/usr/bin/caught-up", "--lag", "10"), Duration.ofSeconds(2)),
                byProgram.get("a"));
        assertEquals(new ReadinessSpec.Always(), byProgram.get("b"));
        assertEquals(new ReadinessSpec.EngineRole("c-standby", Set.of("ACTIVE", "WAITING")), byProgram.get("c"));
    }

    @Test
    void tlsFilesMustBeReadable() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        BatonConfig c = ConfigLoader.parse("[cluster]\nendpoints = [\"https://10.0.0.5:2379\"]\ntls_ca = \"" + ca
                + "\"\ntls_cert = \"" + cert + "\"\ntls_key = \"" + key + "\"\n", FILE);
        assertEquals(new TlsFiles(ca, cert, key), c.cluster().settings().tls());
        assertProblem("[cluster]\nendpoints = [\"https://10.0.0.5:2379\"]\n",
                "baton.toml:1: cluster: tls: https endpoints need tls_ca, tls_cert and tls_key");
        assertProblem("[cluster]\nendpoints = [\"https://10.0.0.5:2379\"]\ntls_ca = \"/nonexistent/ca.pem\"\n",
                "baton.toml:3: cluster.tls_ca: give all three of tls_ca, tls_cert and tls_key, or none");
    }

    @Test
    void failsafeNeedsMutualTlsAndAPeerAddress() throws Exception {
        assertNull(ConfigLoader.parse(CLUSTER, FILE).cluster().settings().failsafe(), "off by default");
        assertProblem(CLUSTER + "failsafe = true\npeer_address = \"10.0.1.11:7450\"\n",
                "cluster.failsafe: the peer channel needs mutual TLS: set peer_tls_ca, peer_tls_cert and peer_tls_key");
        assertProblem(CLUSTER + "failsafe = true\n", "peer_address: failsafe needs the address");
        assertProblem(CLUSTER + "peer_address = \"10.0.1.11:7450\"\n",
                "cluster.peer_address: only used with failsafe = true");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        String tls = "tls_ca = \"" + ca + "\"\ntls_cert = \"" + cert + "\"\ntls_key = \"" + key + "\"\n";
        String https = "[cluster]\nendpoints = [\"https://10.0.0.5:2379\"]\nhost = \"v1\"\n";
        FailsafeSettings reused = ConfigLoader.parse(https + tls + "failsafe = true\npeer_address = \"10.0.1.11:7450\"\n", FILE)
                .cluster().settings().failsafe();
        assertEquals(new FailsafeSettings("10.0.1.11:7450", null, new TlsFiles(ca, cert, key)), reused,
                "the etcd TLS files serve the peer channel too");
        FailsafeSettings own = ConfigLoader.parse(CLUSTER + "failsafe = true\npeer_address = \"10.0.1.11:7450\"\n"
                + "peer_listen = \"0.0.0.0:7450\"\n" + tls.replace("tls_", "peer_tls_"), FILE).cluster().settings().failsafe();
        assertEquals(new FailsafeSettings("10.0.1.11:7450", "0.0.0.0:7450", new TlsFiles(ca, cert, key)), own);
        assertProblem(CLUSTER + "failsafe = true\npeer_address = \"0.0.0.0:7450\"\n" + tls.replace("tls_", "peer_tls_"),
                "is not an address the other members can call");
    }

    @Test
    void patroniRuleAtItsKeyWithTheFix() {
        assertProblem(CLUSTER + "lease_ttl = \"5s\"\nrenew_interval = \"2s\"\nretry_timeout = \"2s\"\n",
                "baton.toml:4: cluster.lease_ttl: renew_interval 2s + 2 x retry_timeout 2s = 6s exceeds lease_ttl 5s",
                "raise lease_ttl to at least 6s or lower renew_interval / retry_timeout");
    }

    @Test
    void stopTimeoutRuleAtTheExclusiveProgramWithTheFix() {
        // The default stop_timeout (10s) does not fit the default lease (15s - 2s - 2 x 2s - 1s = 8s).
        assertProblem(CLUSTER + "\n[programs.validator]\ncommand = [\"/usr/bin/validator\"]\n"
                        + "exclusive = { lock = \"identity\", ready = \"always\" }\n",
                "baton.toml:7: programs.validator.exclusive: renew_interval 2s + 2 x retry_timeout 2s + the program's"
                        + " stop_timeout 10s + fence_margin 1s = 17s exceeds cluster.lease_ttl 15s",
                "raise lease_ttl to at least 17s or lower the stop_timeout");
    }

    @Test
    void exclusiveNeedsTheCluster() {
        assertProblem("[programs.v]\ncommand = \"/bin/v\"\nexclusive = { lock = \"x\", ready = \"always\" }\n",
                "baton.toml:3: programs.v.exclusive: an exclusive program needs the etcd cluster: add a [cluster] section");
    }

    @Test
    void clusterOnlyInTheMainFile() throws Exception {
        Path main = Files.writeString(dir.resolve("baton.toml"), "");
        Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("conf.d/10-cluster.toml"), CLUSTER);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));
        assertTrue(e.getMessage().contains("10-cluster.toml:1: cluster: [cluster] is only allowed in the main config file"),
                e.getMessage());
    }

    @Test
    void readinessExactlyOne() {
        String program = "\n[programs.v]\ncommand = \"/bin/v\"\nstop_timeout = \"1s\"\n";
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\" }\n",
                "baton.toml:8: programs.v.exclusive: missing readiness", "ready = \"always\"");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"always\", ready_url = \"http://h:1/\" }\n",
                "programs.v.exclusive: set only one of ready_url, ready: ");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"sometimes\" }\n",
                "programs.v.exclusive.ready: expected \"always\"");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"always\", ready_timeout = \"1s\" }\n",
                "programs.v.exclusive.ready_timeout: only ready_url and ready_command have a timeout");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready_role = [\"ACTIVE\"] }\n",
                "programs.v.exclusive.ready_role: 'v' is not an engine (no engine_group)");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready_role = [\"caught-up\"] }\n",
                "programs.v.exclusive.ready_role: unknown engine role \"caught-up\"");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready_url = \"ftp://h/\" }\n",
                "programs.v.exclusive.ready_url: \"ftp://h/\" is not an http(s) URL");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready_command = [] }\n",
                "programs.v.exclusive.ready_command: the command is empty");
    }

    @Test
    void lockAndStandbyProgram() {
        String program = "\n[programs.v]\ncommand = \"/bin/v\"\nstop_timeout = \"1s\"\n";
        assertProblem(CLUSTER + program + "exclusive = { ready = \"always\" }\n",
                "programs.v.exclusive: missing lock");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"a b\", ready = \"always\" }\n",
                "programs.v.exclusive.lock: \"a b\" is not a usable lock name");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"always\", standby_program = \"w\" }\n",
                "programs.v.exclusive.standby_program: no program named 'w'");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"always\", standby_program = \"v\" }\n",
                "programs.v.exclusive.standby_program: must differ from the exclusive program");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"always\" }\n"
                        + "[programs.w]\ncommand = \"/bin/w\"\nstop_timeout = \"1s\"\nexclusive = { lock = \"x\", ready = \"always\" }\n",
                "programs.w.exclusive.lock: lock \"x\" is already used by another program on this host");
        assertProblem(CLUSTER + program + "exclusive = { lock = \"x\", ready = \"always\", readiness = 1 }\n",
                "programs.v.exclusive.readiness: unknown key 'readiness'");
    }

    @Test
    void clusterKeysAreChecked() {
        assertProblem(CLUSTER + "lease_tll = \"10s\"\n", "cluster.lease_tll: unknown key 'lease_tll' in [cluster]; did you mean 'lease_ttl'?");
        assertProblem("[cluster]\nhost = \"a\"\n", "baton.toml:1: cluster: missing endpoints");
        assertProblem(CLUSTER + "lease_ttl = \"2500ms\"\nrenew_interval = \"500ms\"\nretry_timeout = \"500ms\"\n",
                "cluster.lease_ttl: 2.5s must be whole seconds");
        assertProblem("[cluster]\nendpoints = [\"10.0.0.5:2379\"]\n", "cluster.endpoints: \"10.0.0.5:2379\" is not a URL such as https://10.0.0.5:2379");
        assertProblem("[cluster]\nendpoints = [\"10.0.0.5\"]\n", "cluster.endpoints: \"10.0.0.5\" is not an etcd URL");
        assertProblem("[cluster]\nendpoints = [\"http://h:1\"]\nhost = \"a/b\"\n", "baton.toml:3: cluster.host: \"a/b\" is not a usable host name");
        assertProblem("[defaults]\nexclusive = { lock = \"x\" }\n", "defaults.exclusive: exclusive cannot have a default");
    }

    @Test
    void effectiveConfigRoundTrips() throws ConfigException {
        String toml = CLUSTER + """
                lease_ttl = "4s"
                renew_interval = "500ms"
                retry_timeout = "500ms"
                fence_margin = "500ms"
                [programs.a]
                command = "/bin/a"
                stop_timeout = "1s"
                exclusive = { lock = "la", ready_command = ["/usr/bin/caught-up"], ready_timeout = "2s", standby_program = "b" }
                [programs.b]
                command = "/bin/b"
                """;
        BatonConfig c = ConfigLoader.parse(toml, FILE);
        String printed = EffectiveConfig.toToml(c);
        BatonConfig again = ConfigLoader.parse(printed, EffectiveConfigTest.PRINTED);
        assertEquals(c.cluster(), again.cluster(), printed);
        assertTrue(printed.contains("exclusive = { lock = \"la\", ready_command = [\"/usr/bin/caught-up\"], ready_timeout"
                + " = \"2s\", standby_program = \"b\" }\n"), printed);
    }
}
