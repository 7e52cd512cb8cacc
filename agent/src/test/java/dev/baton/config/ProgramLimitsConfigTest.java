package dev.baton.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.process.os.ResourceLimit;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The keys a faithful systemd import needs: limits (LimitNOFILE=) and no_restart_exit_codes (RestartPreventExitStatus=). */
class ProgramLimitsConfigTest {
    private static final Path FILE = Path.of("/etc/baton/baton.toml");

    @Test
    void readAndPrintedBack() throws ConfigException {
        BatonConfig c = ConfigLoader.parse("""
                [programs.nimbus]
                command = ["/usr/bin/nimbus_beacon_node"]
                no_restart_exit_codes = [129, 2]
                limits = { nofile = "1024:524288", memlock = "infinity", core = 0 }
                [programs.plain]
                command = ["/bin/true"]
                """, FILE);
        ProgramConfig p = c.programs().get("nimbus");
        assertEquals(Set.of(2, 129), p.noRestartExitCodes());
        assertEquals(List.of(new ResourceLimit("nofile", 1024, 524288), new ResourceLimit("memlock", -1, -1),
                new ResourceLimit("core", 0, 0)), p.limits());
        assertEquals(List.of(), c.programs().get("plain").limits());
        assertEquals(Set.of(), c.programs().get("plain").noRestartExitCodes());
        String effective = EffectiveConfig.toToml(c);
        assertTrue(effective.contains("no_restart_exit_codes = [2, 129]"), effective);
        assertTrue(effective.contains("nofile = \"1024:524288\""), effective);
        assertTrue(p.sameRuntime(ConfigLoader.parse(effective, FILE).programs().get("nimbus")), "loads back the same");
    }

    @Test
    void badValuesAreProblemsNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                [programs.x]
                command = ["/bin/true"]
                no_restart_exit_codes = [300]
                limits = { nofile = "2048:1024", nproc = "lots", open_files = 1 }
                """, FILE));
        String m = e.getMessage();
        assertTrue(m.contains("programs.x.no_restart_exit_codes"), m);
        assertTrue(m.contains("programs.x.limits.nofile") && m.contains("soft limit is above the hard limit"), m);
        assertTrue(m.contains("programs.x.limits.nproc") && m.contains("\"SOFT:HARD\""), m);
        assertTrue(m.contains("open_files"), m);
    }
}
