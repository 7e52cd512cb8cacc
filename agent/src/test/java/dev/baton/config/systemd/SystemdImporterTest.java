package dev.baton.config.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.ProgramConfig;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.migration.ImportWarning;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real service units of validator clients (each file names its source on its first lines), imported
 * and checked: the argv systemd would exec, the restart and stop rules, the findings; and whether
 * systemd itself refuses a unit agrees with {@code systemd-analyze verify}.
 */
class SystemdImporterTest {
    static final Path DIR = Path.of("src/test/resources/dev/baton/migration/systemd").toAbsolutePath();

    @TempDir
    Path root;

    /** A unit, what comes out, and the findings it must produce ("IMPACT|Key|fragment"). */
    record Case(String unit, boolean failed, List<String> expected) {
        @Override
        public String toString() {
            return unit;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("chainflip-engine.service", false, List.of("COSMETIC|LimitNOFILESoft|knows no such key")),
                new Case("chainflip-engine-merge-conflict.service", true, List.of(
                        "FAILED|ExecStart|more than one ExecStart", "COSMETIC||Missing '='",
                        "COSMETIC||Missing key name before '='")),
                new Case("chainflip-engine1.3.service", false, List.of("COSMETIC|Environment|does not expand $")),
                new Case("chainflip-node.service", false, List.of()),
                new Case("nimbus_beacon_node.service", false, List.of(
                        "BEHAVIOUR||gave up (unit failed) after more than 5 starts within 10s",
                        "BEHAVIOUR|User|HOME and SHELL")),
                new Case("nimbus-validator-coincashew.service", false, List.of(
                        "BEHAVIOUR|ExecStart|template placeholder <0x_CHANGE_THIS_TO_MY_ETH_FEE_RECIPIENT_ADDRESS>")),
                new Case("prysm-validator-coincashew.service", false, List.of(
                        "BEHAVIOUR|ExecStart|template placeholder <0x_CHANGE_THIS_TO_MY_ETH_FEE_RECIPIENT_ADDRESS>")),
                new Case("sol.service", false, List.of()),
                new Case("polkadot-validator.service", false, List.of(
                        "BEHAVIOUR|ExecStart|PATH_TO_POLKADOT_BIN is not in systemd's search path")),
                new Case("moonbase.service", true, List.of(
                        "FAILED|ExecStart|the executable contains the template placeholder {{")),
                new Case("lighthouse-beacon.service", false, List.of()),
                new Case("geth.service", false, List.of("BEHAVIOUR|ExecStart|geth is not in systemd's search path")),
                new Case("gaiad.service", false, List.of()));
    }

    private SystemdImporter importer() {
        return new SystemdImporter(root, "node-7");
    }

    private ImportResult importOne(String unit) throws IOException {
        return importer().importUnits(List.of(DIR.resolve(unit).toString()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void importsWithTheExpectedFindings(Case c) throws IOException, ConfigException {
        ImportResult r = importOne(c.unit());
        assertEquals(c.failed(), r.failed(), () -> String.join("\n", r.triaged().stream().map(ImportWarning::toString).toList()));
        for (String e : c.expected()) {
            String[] f = e.split("\\|", 3);
            assertTrue(r.warnings().stream().anyMatch(w -> w.impact() == Impact.valueOf(f[0]) && w.key().equals(f[1])
                    && w.message().contains(f[2])), () -> "expected " + e + " in\n" + r.warnings());
        }
        String name = c.unit().substring(0, c.unit().length() - ".service".length());
        assertEquals(List.of("systemctl disable --now " + c.unit(), "systemctl mask " + c.unit(), "systemctl daemon-reload"),
                r.followUp(), "units outside /etc are masked in place");
        if (!c.failed()) {
            BatonConfig config = ConfigLoader.parse(r.toml(), Path.of("imported.toml"));
            assertEquals(1, config.programs().size());
            assertFalse(config.programs().get(name).inheritEnvironment(), "systemd gives a service a clean environment");
        }
    }

    /** Whether systemd itself refuses a unit, as systemd-analyze verify says. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedExactlyWhenSystemdRefuses(Case c) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze is not installed");
        Process p = new ProcessBuilder("/usr/bin/systemd-analyze", "verify", "--man=no", DIR.resolve(c.unit()).toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        boolean systemdRefuses = out.contains("Refusing") || out.contains("bad unit file setting");
        boolean weSay = importOne(c.unit()).warnings().stream().anyMatch(w -> w.message().contains("systemd itself refuses"));
        assertEquals(systemdRefuses, weSay, out);
    }

    @Test
    void validatorUnitsKeepTheirRules() throws IOException {
        JsonNode nimbus = program(importOne("nimbus_beacon_node.service"), "nimbus_beacon_node");
        assertEquals("[\"/usr/bin/nimbus_beacon_node\",\"--network=mainnet\",\"--data-dir=/var/lib/nimbus/shared_mainnet_0\","
                + "\"--tcp-port=9000\",\"--udp-port=9000\",\"--rest=Yes\",\"--rest-port=5052\",\"--metrics=Yes\","
                + "\"--metrics-port=8008\",\"--web3-url=ws://127.0.0.1:8546\"]", nimbus.get("command").toString(),
                "${VAR} from Environment=, quotes removed, continued lines joined");
        assertEquals("[129]", nimbus.get("no_restart_exit_codes").toString(), "doppelganger exit: never restarted");
        assertEquals("1200s", nimbus.get("stop_timeout").asText(), "TimeoutSec= sets the stop timeout");
        assertEquals("/var/lib/nimbus", nimbus.get("directory").asText());
        assertEquals("nimbus", nimbus.get("user").asText());
        assertEquals("always", nimbus.get("restart").asText());
        assertEquals("100ms", nimbus.at("/backoff/initial").asText(), "RestartSec defaults to 100ms");
        assertEquals(5, nimbus.get("start_retries").asInt(), "the default start limit trips at 100ms restarts");

        JsonNode prysm = program(importOne("prysm-validator-coincashew.service"), "prysm-validator-coincashew");
        assertEquals("INT", prysm.get("stop_signal").asText());
        assertEquals("900s", prysm.get("stop_timeout").asText());
        assertEquals("on-failure", prysm.get("restart").asText());
        assertTrue(prysm.get("command").toString().contains("\"--graffiti=🏠🥩🪙🛡️\""), "UTF-8 kept, quotes removed");
        assertEquals("validator", prysm.get("group").asText());

        JsonNode sol = program(importOne("sol.service"), "sol");
        assertEquals("forever", sol.get("start_retries").asText(), "StartLimitIntervalSec=0: never give up");
        assertEquals(1000000, sol.at("/limits/nofile").asInt());
        assertEquals("/bin:/usr/bin:/home/sol/.local/share/solana/install/active_release/bin", sol.at("/environment/PATH").asText());
        assertEquals("1s", sol.at("/backoff/initial").asText());
        assertEquals("1s", sol.at("/backoff/max").asText());

        JsonNode engine = program(importOne("chainflip-engine.service"), "chainflip-engine");
        assertEquals("[\"/usr/bin/chainflip-engine\",\"--config-root\",\"/etc/chainflip/\"]", engine.get("command").toString());
        assertEquals(16000, engine.at("/limits/nofile").asInt());
        assertEquals("30s", engine.at("/backoff/initial").asText());
        assertEquals("forever", engine.get("start_retries").asText(), "30s apart: the start limit never trips");
        assertEquals("$LD_LIBRARY_PATH:/usr/lib/chainflip-engine",
                program(importOne("chainflip-engine1.3.service"), "chainflip-engine1.3").at("/environment/LD_LIBRARY_PATH").asText());
        assertEquals("1024:524288", program(importOne("chainflip-node.service"), "chainflip-node").at("/limits/nofile").asText(),
                "systemd's default open-files limit, written out");
    }

    @Test
    void afterBecomesPriorityAndVersionsOfOneBinaryAnEngineGroup() throws IOException, ConfigException {
        Path d = Files.createDirectories(root.resolve("units"));
        Files.copy(DIR.resolve("chainflip-node.service"), d.resolve("chainflip-node.service"));
        Files.copy(DIR.resolve("chainflip-engine1.3.service"), d.resolve("chainflip-engine1.3.service"));
        Files.writeString(d.resolve("chainflip-engine1.4.service"), Files.readString(DIR.resolve("chainflip-engine1.3.service"))
                .replace("chainflip-engine1.3", "chainflip-engine1.4"));
        ImportResult r = importer().importUnits(List.of(d.resolve("chainflip-engine1.3.service").toString(),
                d.resolve("chainflip-engine1.4.service").toString(), d.resolve("chainflip-node.service").toString()));
        JsonNode p = r.config().get("programs");
        assertEquals(0, p.at("/chainflip-node/priority").asInt());
        assertEquals(10, p.get("chainflip-engine1.3").get("priority").asInt(), "After=chainflip-node.service");
        assertEquals("chainflip", p.get("chainflip-engine1.3").get("engine_group").asText());
        assertEquals("chainflip", p.get("chainflip-engine1.4").get("engine_group").asText());
        assertFalse(p.get("chainflip-node").has("engine_group"));
        assertTrue(r.warnings().stream().anyMatch(w -> w.impact() == Impact.BEHAVIOUR && w.message().contains("engine group 'chainflip'")));
        BatonConfig config = ConfigLoader.parse(r.toml(), Path.of("imported.toml"));
        assertEquals(1, config.groups().size());
        assertEquals(List.of("systemctl disable --now chainflip-engine1.3.service chainflip-engine1.4.service "
                + "chainflip-node.service", "systemctl mask chainflip-engine1.3.service chainflip-engine1.4.service "
                + "chainflip-node.service", "systemctl daemon-reload"), r.followUp());
    }

    @Test
    void namesAreLookedUpWithDropInsPasswdAndTheSearchPath() throws IOException, ConfigException {
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.createDirectories(root.resolve("usr/bin"));
        Path geth = Files.writeString(root.resolve("usr/bin/geth"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(geth, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\ngoeth:x:1001:1001::/var/lib/goeth:/bin/false\n");
        Files.copy(DIR.resolve("geth.service"), etc.resolve("geth.service"));
        Path dropIns = Files.createDirectories(etc.resolve("geth.service.d"));
        Files.writeString(dropIns.resolve("10-limits.conf"), """
                [Service]
                LimitNOFILE=65536
                EnvironmentFile=/etc/default/geth
                EnvironmentFile=-/etc/default/missing
                ExecStart=
                ExecStart=geth --datadir "${DATADIR}" $EXTRA_ARGS --cache=4096 --name %N@%H --bytes \\x41\\s\\101
                ExecStop=/bin/kill -s INT $MAINPID
                RestartPreventExitStatus=2 SIGKILL
                KillMode=process
                ProtectSystem=full
                """);
        Files.createDirectories(root.resolve("etc/default"));
        Files.writeString(root.resolve("etc/default/geth"), "# geth\nDATADIR=\"/var/lib/geth data\"\nEXTRA_ARGS='--http --ws'\n");
        ImportResult r = importer().importUnits(List.of("geth"));
        JsonNode g = program(r, "geth");
        assertEquals("[\"/usr/bin/geth\",\"--datadir\",\"/var/lib/geth data\",\"--http\",\"--ws\",\"--cache=4096\","
                + "\"--name\",\"geth@node-7\",\"--bytes\",\"A A\"]", g.get("command").toString(),
                "drop-in resets ExecStart; ${X} is one word, $X splits; specifiers and C escapes; the bare name resolved");
        assertEquals(65536, g.at("/limits/nofile").asInt());
        assertEquals("INT", g.get("stop_signal").asText(), "ExecStop=kill -s INT $MAINPID");
        assertEquals("[2]", g.get("no_restart_exit_codes").toString());
        assertEquals("/var/lib/goeth", g.at("/environment/HOME").asText());
        assertEquals("goeth", g.at("/environment/USER").asText());
        Files.writeString(dropIns.resolve("20-uid.conf"), "[Service]\nUser=1001\n");
        JsonNode byUid = program(importer().importUnits(List.of("geth")), "geth");
        assertEquals("1001", byUid.get("user").asText());
        assertEquals("goeth", byUid.at("/environment/USER").asText(), "systemd names a numeric User= from passwd");
        assertEquals("goeth", byUid.at("/environment/LOGNAME").asText());
        Files.writeString(dropIns.resolve("30-reset.conf"), "[Service]\nUser=\nGroup=\n");
        ImportResult reset = importer().importUnits(List.of("geth"));
        assertFalse(reset.failed(), "an empty User= resets it to systemd's default, root: " + reset.warnings());
        assertTrue(program(reset, "geth").path("user").isMissingNode(), program(reset, "geth").toString());
        Files.delete(dropIns.resolve("30-reset.conf"));
        assertTrue(has(r, Impact.BEHAVIOUR, "KillMode", "left its children running"));
        assertTrue(has(r, Impact.BEHAVIOUR, "RestartPreventExitStatus", "'SIGKILL' not imported"));
        assertTrue(has(r, Impact.BEHAVIOUR, "", "ProtectSystem=full"));
        assertTrue(has(r, Impact.BEHAVIOUR, "EnvironmentFile", "copied into the TOML"));
        assertTrue(has(r, Impact.COSMETIC, "EnvironmentFile", "does not exist on this host"));
        assertEquals(List.of("systemctl disable --now geth.service",
                "mv /etc/systemd/system/geth.service /etc/systemd/system/geth.service.imported-by-baton",
                "systemctl mask geth.service", "systemctl daemon-reload"), r.followUp(),
                "mask needs the unit's name in /etc for its link to /dev/null");
        ProgramConfig loaded = ConfigLoader.parse(r.toml(), Path.of("imported.toml")).programs().get("geth");
        assertEquals(Duration.ofSeconds(5), loaded.backoff().initial());
        assertEquals(1.0, loaded.backoff().multiplier());
        assertEquals(java.util.Set.of(2), loaded.noRestartExitCodes());
        assertThrows(IOException.class, () -> importer().importUnits(List.of("absent.service")));
    }

    @Test
    void unitsSystemdRefusesAndThingsBatonCannotRun() throws IOException {
        Path d = Files.createDirectories(root.resolve("u"));
        Files.writeString(d.resolve("none.service"), "[Service]\nType=simple\nRestart=always\n");
        Files.writeString(d.resolve("fork.service"), "[Service]\nType=forking\nExecStart=/usr/sbin/daemon\n");
        Files.writeString(d.resolve("rel.service"), "[Service]\nExecStart=bin/x\n");
        Files.writeString(d.resolve("quote.service"), "[Service]\nExecStart=/bin/x \"open\n");
        Files.writeString(d.resolve("dyn.service"), "[Service]\nExecStart=/bin/x\nDynamicUser=yes\n[Install]\nWantedBy=multi-user.target\n");
        for (String unit : List.of("none", "fork", "rel", "quote", "dyn")) {
            ImportResult r = importer().importUnits(List.of(d.resolve(unit + ".service").toString()));
            assertTrue(r.failed(), unit);
            assertEquals(0, r.programs(), unit);
        }
        assertTrue(has(importer().importUnits(List.of(d.resolve("none.service").toString())), Impact.FAILED, "ExecStart",
                "systemd itself refuses this unit"));
    }

    @Test
    void commandLinesAsSystemdSplitsThem() throws Exception {
        assertEquals(List.of("a b", "c\"d", "e'f", "g\th", "x;y"), ExecLine.split("\"a b\" 'c\"d' \"e'f\" g\\th x;y"));
        List<ExecLine.Command> cmds = ExecLine.parse("-@/bin/true true one \\; two ; /bin/false");
        assertEquals(2, cmds.size());
        assertEquals("-@", cmds.get(0).prefixes());
        assertEquals(List.of("/bin/true", "true", "one", ";", "two"), cmds.get(0).words());
        List<String> missing = new ArrayList<>();
        assertEquals(List.of("1", "2", "1 2", "$HOME", "", "a-b"), ExecLine.substitute(List.of("$A", "${A}", "$$HOME",
                "${NONE}", "${NONE:-a}-${A:+b}"), Map.of("A", "1 2"), missing));
        assertEquals(List.of("NONE"), missing);
        assertEquals(List.of("--validator", "--name", "Ali Node", "it's", "a\\b"), ExecLine.substitute(List.of("$ARGS"),
                Map.of("ARGS", "--validator --name \"Ali Node\" 'it'\\''s' a\\\\b"), missing),
                "a standalone $VAR is split with its quotes removed, as systemd splits it");
        assertThrows(ExecLine.Invalid.class, () -> ExecLine.split("\"open"));
        assertEquals("INT", UnitReader.killMainPid("/bin/kill -s SIGINT $MAINPID"));
        assertEquals("QUIT", UnitReader.killMainPid("kill -QUIT ${MAINPID}"));
        assertNull(UnitReader.killMainPid("/usr/bin/pkill geth"));
        assertEquals(Long.valueOf(5_400_000), UnitValues.spanMillis("1h 30min"));
        assertEquals(Long.valueOf(100), UnitValues.spanMillis("100ms"));
        assertEquals(Long.valueOf(-1), UnitValues.spanMillis("infinity"));
        assertNull(UnitValues.spanMillis("ten"));
        assertEquals(Map.of("A", "x y", "B", "lit $x", "C", "z"),
                EnvironmentFile.parse("A=\"x y\"\nB='lit $x'\n# c\nC=z   \n").values());
    }

    /**
     * /etc/default files are written as if a shell sourced them, but systemd does not: a '#' after a
     * value is part of it, quotes inside an unquoted value stay, 'export NAME=' assigns nothing.
     */
    @Test
    void environmentFilesAreReadAsSystemdReadsThem() throws IOException {
        Path d = Files.createDirectories(root.resolve("etc/default"));
        Files.writeString(d.resolve("polkadot"), """
                # polkadot defaults
                CHAIN=kusama   # or polkadot
                NAME=--name="validator one"
                export RUST_LOG=info
                QUOTED="a \\"b\\" \\n"
                SINGLE='x'y
                LAST=no newline""");
        Path unit = Files.writeString(root.resolve("polkadot.service"), """
                [Service]
                EnvironmentFile=/etc/default/polkadot
                ExecStart=/usr/bin/polkadot --chain ${CHAIN} $NAME
                """);
        ImportResult r = importer().importUnits(List.of(unit.toString()));
        JsonNode env = program(r, "polkadot").get("environment");
        assertEquals("kusama   # or polkadot", env.get("CHAIN").asText(), "a '#' after a value is part of it");
        assertEquals("--name=\"validator one\"", env.get("NAME").asText(), "quotes inside a value stay");
        assertEquals("a \"b\" \\n", env.get("QUOTED").asText(), "inside double quotes only \\\" \\\\ \\` \\$ are escapes");
        assertEquals("xy", env.get("SINGLE").asText());
        assertEquals("no newline", env.get("LAST").asText());
        assertFalse(env.has("RUST_LOG"), "systemd drops 'export RUST_LOG' (not a variable name)");
        assertTrue(has(r, Impact.COSMETIC, "EnvironmentFile", "'export RUST_LOG=info' does not assign a variable"));
        assertEquals("[\"/usr/bin/polkadot\",\"--chain\",\"kusama   # or polkadot\",\"--name=validator one\"]",
                program(r, "polkadot").get("command").toString(), "what systemd execs: $NAME split, its quotes removed");
    }

    /** "baton import-systemd cosmovisor@gaia", as the template refusal says: the instance runs its template's file. */
    @Test
    void anInstanceIsImportedFromItsTemplate() throws IOException {
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.writeString(etc.resolve("cosmovisor@.service"), """
                [Service]
                Environment=DAEMON_NAME=gaiad
                ExecStart=/usr/local/bin/cosmovisor run start --home /var/lib/%i
                Restart=always
                [Install]
                WantedBy=multi-user.target
                """);
        Path templateDropIns = Files.createDirectories(etc.resolve("cosmovisor@.service.d"));
        Files.writeString(templateDropIns.resolve("05-stop.conf"), "[Service]\nKillSignal=SIGINT\n");
        Files.writeString(templateDropIns.resolve("10-env.conf"), "[Service]\nEnvironment=DAEMON_RESTART_AFTER_UPGRADE=true\n");
        Files.writeString(Files.createDirectories(etc.resolve("cosmovisor@gaia.service.d")).resolve("10-env.conf"),
                "[Service]\nEnvironment=DAEMON_RESTART_AFTER_UPGRADE=false\n");
        ImportResult r = importer().importUnits(List.of("cosmovisor@gaia"));
        JsonNode p = program(r, "cosmovisor.gaia");
        assertEquals("[\"/usr/local/bin/cosmovisor\",\"run\",\"start\",\"--home\",\"/var/lib/gaia\"]",
                p.get("command").toString());
        assertEquals("INT", p.get("stop_signal").asText(), "the template's drop-in");
        assertEquals("false", p.at("/environment/DAEMON_RESTART_AFTER_UPGRADE").asText(),
                "the instance's drop-in of the same name masks the template's");
        assertEquals(List.of("systemctl disable --now cosmovisor@gaia.service", "systemctl mask cosmovisor@gaia.service",
                "systemctl daemon-reload"), r.followUp(), "the template file stays: mask links the instance's name");
    }

    /**
     * systemd.unit(5): drop-ins also come from each dash prefix's directory, from the type's
     * service.d/ (lowest), and from system.control/ (systemctl set-property, highest); of one file
     * name the most specific or highest directory's file wins.
     */
    @Test
    void prefixTypeAndSetPropertyDropInsApplyAsSystemdAppliesThem() throws IOException {
        Path usr = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
        Files.writeString(usr.resolve("chainflip-engine1.3.service"), """
                [Service]
                ExecStart=/usr/bin/chainflip-engine1.3 --config-root /etc/chainflip
                """);
        Path etc = root.resolve("etc/systemd/system");
        Path prefix = Files.createDirectories(etc.resolve("chainflip-.service.d"));
        Files.writeString(prefix.resolve("10-limits.conf"), "[Service]\nLimitNOFILE=65536\nEnvironment=FROM_PREFIX=1\n");
        Path type = Files.createDirectories(etc.resolve("service.d"));
        Files.writeString(type.resolve("10-limits.conf"), "[Service]\nLimitNOFILE=1024\nEnvironment=MASKED=1\n");
        Files.writeString(type.resolve("05-env.conf"), "[Service]\nEnvironment=FROM_TYPE=1 RUST_LOG=warn\n");
        Path control = Files.createDirectories(root.resolve("etc/systemd/system.control/chainflip-engine1.3.service.d"));
        Files.writeString(control.resolve("50-Environment.conf"), "[Service]\nEnvironment=RUST_LOG=info\n");
        JsonNode p = program(importer().importUnits(List.of("chainflip-engine1.3")), "chainflip-engine1.3");
        assertEquals(65536, p.at("/limits/nofile").asInt(), "the prefix's 10-limits.conf masks the type's");
        assertEquals("1", p.at("/environment/FROM_PREFIX").asText());
        assertEquals("1", p.at("/environment/FROM_TYPE").asText(), "service.d/ applies to every service");
        assertTrue(p.at("/environment/MASKED").isMissingNode(), p.toString());
        assertEquals("info", p.at("/environment/RUST_LOG").asText(), "set-property's drop-in, applied after 05-env.conf");
    }

    @Test
    void unsetEnvironmentRemovesSystemdsOwnVariablesTooAndAnAssignmentOnlyOfItsValue() throws IOException {
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\ngaia:x:1001:1001::/home/gaia:/bin/sh\n");
        Files.writeString(etc.resolve("gaiad.service"), """
                [Service]
                User=gaia
                Environment=A=1 B=2 C=%i
                UnsetEnvironment=PATH HOME B=3 A
                UnsetEnvironment=SHELL=/bin/sh
                ExecStart=/usr/local/bin/gaiad start
                """);
        JsonNode env = program(importer().importUnits(List.of("gaiad")), "gaiad").get("environment");
        assertTrue(env.path("PATH").isMissingNode() && env.path("HOME").isMissingNode(), env.toString());
        assertTrue(env.path("A").isMissingNode(), env.toString());
        assertEquals("2", env.path("B").asText(), "B=3 removes only an assignment of 3");
        assertTrue(env.path("SHELL").isMissingNode(), "SHELL=/bin/sh is what passwd gave: " + env);
        assertEquals("gaia", env.path("USER").asText());
    }

    @Test
    void dashPrefixesAreThoseSystemdSearches() {
        assertEquals("foo-bar-.service", SystemdImporter.dashPrefix("foo-bar-baz.service"));
        assertEquals("foo-.service", SystemdImporter.dashPrefix("foo-bar-.service"));
        assertNull(SystemdImporter.dashPrefix("foo-.service"));
        assertEquals("foo-.service", SystemdImporter.dashPrefix("foo-bar@gaia.service"));
        assertNull(SystemdImporter.dashPrefix("-foo.service"));
        assertNull(SystemdImporter.dashPrefix("geth.service"));
    }

    /** systemd resolves %i, %h, %H, ... in User=, WorkingDirectory=, Environment=, EnvironmentFile= too. */
    @Test
    void specifiersAreResolvedWhereSystemdResolvesThem() throws IOException {
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.createDirectories(root.resolve("etc/default"));
        Files.writeString(root.resolve("etc/default/gaia"), "CHAIN_ID=cosmoshub-4\n");
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\ngaia:x:1001:1001::/home/gaia:/bin/sh\n");
        Files.writeString(etc.resolve("cosmovisor@.service"), """
                [Service]
                User=%i
                WorkingDirectory=/var/lib/%i
                Environment="DAEMON_HOME=/var/lib/%i" DAEMON_NAME=%pd MONIKER=%H 'LITERAL=100%%'
                Environment=BACKUP=%h/backups
                EnvironmentFile=-/etc/default/%i
                ExecStart=/usr/local/bin/cosmovisor run start
                """);
        ImportResult r = importer().importUnits(List.of("cosmovisor@gaia"));
        JsonNode p = program(r, "cosmovisor.gaia");
        assertEquals("gaia", p.get("user").asText());
        assertEquals("/var/lib/gaia", p.get("directory").asText());
        JsonNode env = p.get("environment");
        assertEquals("/var/lib/gaia", env.get("DAEMON_HOME").asText());
        assertEquals("cosmovisord", env.get("DAEMON_NAME").asText());
        assertEquals("node-7", env.get("MONIKER").asText());
        assertEquals("100%", env.get("LITERAL").asText());
        assertEquals("cosmoshub-4", env.get("CHAIN_ID").asText(), "EnvironmentFile=/etc/default/%i");
        assertEquals("/home/gaia", env.get("HOME").asText(), "User=%i looked up in passwd");
        assertEquals("/root/backups", env.get("BACKUP").asText(), "%h is the service manager's home, not User='s");
        assertTrue(has(r, Impact.COSMETIC, "Environment", "not User=%i: imported as 'BACKUP=/root/backups'"));

        Path unit = Files.writeString(root.resolve("m.service"), "[Service]\nEnvironment=ID=%m\nExecStart=/bin/x\n");
        ImportResult m = importer().importUnits(List.of(unit.toString()));
        assertTrue(m.failed());
        assertTrue(has(m, Impact.FAILED, "Environment", "the specifier %m depends on the running system: write its value "
                + "(or %%m for a literal %m)"));
    }

    /**
     * A standby validator kept installed but disabled (same key as the active one): systemd never
     * starts it at boot, so neither may baton; [Install] alone says only what enabling would do.
     */
    @Test
    void anInstalledButDisabledUnitDoesNotAutostart() throws IOException {
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        String unit = "[Service]\nExecStart=/usr/bin/agave-validator --identity /home/sol/id.json\n"
                + "[Install]\nWantedBy=multi-user.target\n";
        Files.writeString(etc.resolve("sol.service"), unit);
        Files.writeString(etc.resolve("sol-standby.service"), unit);
        Path wants = Files.createDirectories(etc.resolve("multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("sol.service"), etc.resolve("sol.service"));
        ImportResult r = importer().importUnits(List.of("sol", "sol-standby"));
        assertTrue(program(r, "sol").get("autostart").asBoolean(), "enabled");
        assertFalse(program(r, "sol-standby").get("autostart").asBoolean(), "installed, not enabled");
        assertTrue(has(r, Impact.BEHAVIOUR, "WantedBy", "sol-standby.service is not enabled on this host"));
        Path elsewhere = Files.writeString(root.resolve("sol-copy.service"), unit);
        assertTrue(program(importer().importUnits(List.of(elsewhere.toString())), "sol-copy").get("autostart").asBoolean(),
                "a unit file from elsewhere: [Install] is all there is to go by");
    }

    /** A validator reads its key through a group (SupplementaryGroups=keys): losing it is not cosmetic. */
    @Test
    void keysThatChangeWhatTheProgramReachesAreBehaviourChanges() throws IOException {
        Path unit = Files.writeString(root.resolve("engine.service"), """
                [Service]
                ExecStart=/usr/bin/chainflip-engine --config-root /etc/chainflip
                User=flip
                SupplementaryGroups=keys
                RootDirectory=/srv/chroot
                LoadCredential=node_key:/etc/chainflip/keys/node_key
                """);
        ImportResult r = importer().importUnits(List.of(unit.toString()));
        for (String key : List.of("SupplementaryGroups", "RootDirectory", "LoadCredential")) {
            assertTrue(has(r, Impact.BEHAVIOUR, key, "the program runs without " + key + "="), key + ": " + r.warnings());
        }
    }

    /** systemd starts a service with SIGPIPE ignored unless IgnoreSIGPIPE=no; baton does the same (ignore_sigpipe). */
    @Test
    void ignoreSigpipeNoStartsTheProgramWithSigpipeAtItsDefault() throws IOException, ConfigException {
        Path d = Files.createDirectories(root.resolve("sigpipe"));
        Files.writeString(d.resolve("pipe-default.service"), "[Service]\nExecStart=/bin/x\nIgnoreSIGPIPE=no\n");
        Files.writeString(d.resolve("pipe-ignored.service"), "[Service]\nExecStart=/bin/x\nIgnoreSIGPIPE=yes\n");
        Files.writeString(d.resolve("pipe-unset.service"), "[Service]\nExecStart=/bin/x\n");
        ImportResult r = importer().importUnits(List.of(d.resolve("pipe-default.service").toString(),
                d.resolve("pipe-ignored.service").toString(), d.resolve("pipe-unset.service").toString()));

        assertFalse(program(r, "pipe-default").path("ignore_sigpipe").asBoolean(true), r.toml());
        assertTrue(r.warnings().stream().noneMatch(w -> w.key().equals("IgnoreSIGPIPE")),
                () -> "an exact mapping, not a finding: " + r.warnings());
        BatonConfig config = ConfigLoader.parse(r.toml(), Path.of("imported.toml"));
        assertFalse(config.programs().get("pipe-default").ignoreSigpipe());
        assertTrue(config.programs().get("pipe-ignored").ignoreSigpipe(), "IgnoreSIGPIPE=yes is baton's default");
        assertTrue(config.programs().get("pipe-unset").ignoreSigpipe(), "and systemd's");
    }

    /** Restart=no (the default) runs the command once: a quick exit must not become start retries. */
    @Test
    void withoutRestartTheCommandRunsOnce() throws IOException {
        Path unit = Files.writeString(root.resolve("snapshot.service"), """
                [Service]
                ExecStart=/usr/local/bin/fetch-snapshot --chain polkadot
                [Install]
                WantedBy=multi-user.target
                """);
        ImportResult r = importer().importUnits(List.of(unit.toString()));
        JsonNode p = program(r, "snapshot");
        assertEquals("never", p.get("restart").asText());
        assertEquals("0s", p.get("start_secs").asText(), "an exit within start_secs would be a failed start, retried");
        assertEquals(0, p.get("start_retries").asInt());
        assertFalse(has(r, Impact.BEHAVIOUR, "", "gave up"), "no start limit without restarts: " + r.warnings());
    }

    /** Hardened units point the node at the directory systemd made for it, through $STATE_DIRECTORY. */
    @Test
    void stateDirectoryVariablesAreWhatSystemdSets() throws IOException {
        Path unit = Files.writeString(root.resolve("polkadot.service"), """
                [Service]
                StateDirectory=polkadot
                RuntimeDirectory=polkadot polkadot-rpc
                ExecStart=/usr/bin/polkadot --validator --base-path ${STATE_DIRECTORY}
                Restart=always
                """);
        ImportResult r = importer().importUnits(List.of(unit.toString()));
        JsonNode p = program(r, "polkadot");
        assertEquals("[\"/usr/bin/polkadot\",\"--validator\",\"--base-path\",\"/var/lib/polkadot\"]",
                p.get("command").toString());
        assertEquals("/var/lib/polkadot", p.at("/environment/STATE_DIRECTORY").asText());
        assertEquals("/run/polkadot:/run/polkadot-rpc", p.at("/environment/RUNTIME_DIRECTORY").asText());
        assertFalse(has(r, Impact.BEHAVIOUR, "ExecStart", "which the unit does not define"), r.warnings().toString());
        assertTrue(has(r, Impact.BEHAVIOUR, "", "StateDirectory=polkadot"), "baton does not create it: still said");
    }

    /** What check-config refuses in an import is named at a line of the unit, not at "line 0". */
    @Test
    void aRefusalByCheckConfigNamesTheServiceSection() throws IOException {
        Path unit = Files.writeString(root.resolve("node.service"), "# node\n\n[Service]\nExecStart=/usr/bin/node\n"
                + "WorkingDirectory=data\n");
        ImportResult r = importer().importUnits(List.of(unit.toString()));
        assertTrue(r.failed());
        assertTrue(r.warnings().stream().anyMatch(w -> w.impact() == Impact.FAILED && w.line() == 3
                && w.message().contains("programs.node.directory")), r.warnings().toString());
    }

    /** Old units write TimeoutStopSec=0 (or TimeoutSec=0) for "wait as long as it takes", as systemd reads it. */
    @Test
    void aZeroStopTimeoutIsNoTimeout() throws IOException {
        Path unit = Files.writeString(root.resolve("sol.service"), """
                [Service]
                ExecStart=/home/sol/bin/validator.sh
                KillSignal=SIGINT
                TimeoutStopSec=0
                """);
        ImportResult r = importer().importUnits(List.of(unit.toString()));
        assertEquals("86400s", program(r, "sol").get("stop_timeout").asText(),
                "systemd never sent SIGKILL; 0s would kill the validator at once");
        assertTrue(has(r, Impact.BEHAVIOUR, "TimeoutStopSec", "0 turns the timeout off"));
    }

    private static boolean has(ImportResult r, Impact impact, String key, String fragment) {
        return r.warnings().stream().anyMatch(w -> w.impact() == impact && w.key().equals(key) && w.message().contains(fragment));
    }

    private static JsonNode program(ImportResult r, String name) {
        JsonNode p = r.config().path("programs").path(name);
        assertFalse(p.isMissingNode(), name + " in\n" + r.toml() + r.warnings());
        return p;
    }
}
