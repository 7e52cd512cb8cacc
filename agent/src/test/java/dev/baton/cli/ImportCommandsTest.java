package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import-supervisord and import-systemd: TOML out, findings in triage order, the summary, exit 0 / 1 / 2. */
class ImportCommandsTest {
    static final Path FIXTURES = Path.of("src/test/resources/dev/baton/migration").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void importWithBehaviourChangesExitsZeroAndSaysHowMany() throws Exception {
        Path out = dir.resolve("baton.toml");
        CliTest.Run r = CliTest.exec("import-supervisord", FIXTURES.resolve("supervisord/chainflip-multi-engine.conf").toString(),
                "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("baton: imported 2 programs, 2 behaviour changes need a look; written to " + out), r.err());
        assertTrue(r.err().indexOf("== behaviour changes") < r.err().indexOf("== notes"), "behaviour changes first: " + r.err());
        assertTrue(Files.readString(out).contains("engine_group = 'chainflip'"));
        assertEquals(0, CliTest.exec("check-config", "--config", out.toString(), "-q", "--no-host-checks").code(),
                "passes check-config (its binaries are on the host it came from, not here)");
    }

    @Test
    void aFailedImportExitsOneAndAnUnreadableFileTwo() {
        CliTest.Run failed = CliTest.exec("import-supervisord", FIXTURES.resolve("supervisord/docker-mta.ini").toString());
        assertEquals(1, failed.code(), failed.err());
        assertTrue(failed.err().startsWith("== errors: not imported\nerror: "), failed.err());
        assertTrue(failed.err().contains("2 errors (the import failed)"), failed.err());
        CliTest.Run withEnv = CliTest.exec("import-supervisord", FIXTURES.resolve("supervisord/docker-mta.ini").toString(),
                "--env", "EMAIL_USERNAME=u", "-e", "EMAIL_PASSWORD=p", "-e", "POSTFIX_MYNETWORKS=n", "-e", "POSTFIX_MYHOSTNAME=h",
                "-e", "POSTFIX_MYDOMAIN=d", "-e", "POSTFIX_MYDESTINATION=x");
        assertEquals(0, withEnv.code(), withEnv.err());
        assertTrue(withEnv.out().contains("'myhostname=h'"), withEnv.out());
        CliTest.Run unreadable = CliTest.exec("import-supervisord",
                FIXTURES.resolve("supervisord/sitepilot-runtime.blade.conf").toString());
        assertEquals(2, unreadable.code());
        assertTrue(unreadable.err().contains("sitepilot-runtime.blade.conf:28"), unreadable.err());
    }

    /**
     * The TOML on stdout is UTF-8 whatever the locale: under LANG=C (an empty environment, sudo, cron)
     * picocli's stdout was US-ASCII and the validator's graffiti argument became "????".
     */
    @Test
    void tomlOnStdoutIsUtf8UnderThePosixLocale() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "import-systemd",
                FIXTURES.resolve("systemd/prysm-validator-coincashew.service").toString());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("LC_ALL", "C");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("'--graffiti=\uD83C\uDFE0\uD83E\uDD69\uD83E\uDE99\uD83D\uDEE1\uFE0F'"), out);
    }

    @Test
    void importSystemdPrintsHowToRetireTheUnits() {
        CliTest.Run r = CliTest.exec("import-systemd", FIXTURES.resolve("systemd/chainflip-engine.service").toString(),
                FIXTURES.resolve("systemd/chainflip-node.service").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[programs.chainflip-engine]") && r.out().contains("[programs.chainflip-node]"), r.out());
        assertTrue(r.err().contains("systemctl disable --now chainflip-engine.service chainflip-node.service\n"
                + "  systemctl mask chainflip-engine.service chainflip-node.service"), r.err());
        CliTest.Run refused = CliTest.exec("import-systemd",
                FIXTURES.resolve("systemd/chainflip-engine-merge-conflict.service").toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("systemd itself refuses this unit"), refused.err());
        assertEquals(2, CliTest.exec("import-systemd", dir.resolve("absent.service").toString()).code());
    }
}
