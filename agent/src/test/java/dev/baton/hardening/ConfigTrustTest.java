package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigFilePermissions;
import dev.baton.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config trust as sshd's StrictModes: a root agent acts only on config files and written paths
 * nobody but root can change. The attacker is user nobody, a separate process (setpriv), planting
 * symbolic links and files where the config points; and the spellings of uid 0 a config could use.
 */
class ConfigTrustTest {
    private static final int NOBODY = Fixtures.NOBODY;

    @TempDir
    Path dir;

    private Path main() {
        return dir.resolve("etc/baton.toml");
    }

    private String load(String programs) throws Exception {
        return loadRaw(Fixtures.agent(dir.resolve("state")) + programs);
    }

    private String loadRaw(String toml) throws Exception {
        Files.createDirectories(main().getParent());
        Files.writeString(main(), toml);
        try {
            ConfigLoader.load(main());
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    private static BatonConfig parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, Path.of("/etc/baton/baton.toml"));
    }

    private static String refusal(String toml) {
        try {
            parse(toml);
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    /** Runs a command as user nobody: the attacker, a process of its own. */
    private static boolean root() {
        return ConfigFilePermissions.effectiveUid() == 0;
    }

    @Test
    void everySpellingOfUidZeroIsZeroAndOddSpellingsAreRefused() throws Exception {
        for (String spelling : List.of("\"0\"", "\"00\"", "\"000\"", "0", "0o0", "\"0000000000\"")) {
            BatonConfig c = parse(program("p", argv("true"), "user = " + spelling, "group = " + spelling));
            assertEquals("0", c.programs().get("p").user(), spelling);
            assertEquals("0", c.programs().get("p").group(), spelling);
        }
        assertEquals("1000", parse(program("p", argv("true"), "user = \"001000\"")).programs().get("p").user());
        for (String bad : List.of("\"+0\"", "\" 0\"", "\"0 \"", "\"0x0\"", "\"-1\"", "-1", "\"4294967295\"",
                "\"99999999999\"", "\"0root\"", "\"\"", "\"root\\n\"")) {
            for (String key : List.of("user", "group")) {
                String msg = refusal(program("p", argv("true"), key + " = " + bad));
                assertTrue(msg != null && msg.contains("programs.p." + key) && msg.contains("an id is digits only"),
                        key + " = " + bad + ": " + msg);
            }
        }
    }

    @Test
    void reservedAndCaseCollidingProgramNamesAreRefused() {
        for (String name : List.of("all", "ALL", "baton", "Baton")) {
            String msg = refusal(program(name, argv("true")));
            assertTrue(msg != null && msg.contains("is reserved"), name + ": " + msg);
        }
        String msg = refusal(program("Engine", argv("true")) + program("engine", argv("true")));
        assertTrue(msg != null && msg.contains("differs from program 'Engine'") && msg.contains("only by case"), msg);
        assertNull(refusal(program("all-engines", argv("true")) + program("baton2", argv("true"))));
    }

    @Test
    void aRootAgentRefusesAConfigNobodyElseShouldControlEvenWithoutRootPrograms() throws Exception {
        assumeTrue(root(), "the check applies to an agent running as root");
        String asUser00 = program("engine", argv("sleep", "1"), "user = \"00\"");
        assertNull(load(asUser00), "root's own files load");
        Files.setAttribute(main(), "unix:uid", NOBODY);
        String msg = load(asUser00);
        Files.setAttribute(main(), "unix:uid", 0);
        assertTrue(msg != null && msg.contains("owned by uid 65534") && msg.contains("chown root " + main()), msg);
        // A directory on the way that others can write (not sticky) is the same as the file.
        Path ancestor = dir.resolve("etc");
        Files.setPosixFilePermissions(ancestor, PosixFilePermissions.fromString("rwxrwxrwx"));
        msg = load(asUser00);
        Files.setPosixFilePermissions(ancestor, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(msg != null && msg.contains(ancestor + ": this directory is writable by every user"), msg);
    }

    /**
     * ".." after a symbolic link leads where the kernel takes it, beside the link's target: the
     * check collapsed it in the text first and looked at another directory than the one written.
     * With root's link to a directory of nobody's, {@code log.file = "LINK/../x/e.log"} was accepted
     * and the agent wrote e.log in nobody's directory, through the link nobody put at x.
     */
    @Test
    void dotDotIsCheckedWhereTheKernelTakesIt() throws Exception {
        assumeTrue(root(), "the check applies to an agent running as root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path nobodys = dir.resolve("home/deep");
        Files.createDirectories(nobodys.resolve("sub"));
        Files.setAttribute(nobodys, "unix:uid", NOBODY);
        Files.setAttribute(nobodys.resolve("sub"), "unix:uid", NOBODY);
        Path link = dir.resolve("lnk");
        Files.createSymbolicLink(link, nobodys.resolve("sub"));
        String msg = load(program("engine", argv("sleep", "1"), "log = { file = \"" + link + "/../x/e.log\" }"));
        assertTrue(msg != null && msg.contains("programs.engine.log.file") && msg.contains(nobodys + ": this directory is "
                + "owned by uid 65534"), msg);
        msg = loadRaw(Fixtures.agent(Path.of(link + "/../state")) + program("engine", argv("sleep", "1")));
        assertTrue(msg != null && msg.contains("agent.state_dir") && msg.contains(nobodys + ": this directory is owned"), msg);
        // Over plain directories ".." is their parent, as before
        Files.createDirectories(dir.resolve("logs"));
        assertNull(load(program("engine", argv("sleep", "1"), "log = { file = \"" + dir.resolve("logs") + "/../logs2/e.log\" }")));
    }

    @Test
    void writtenPathsInDirectoriesOthersControlAreRefused() throws Exception {
        assumeTrue(root(), "the check applies to an agent running as root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody may reach its dir
        // The attacker's own directory, and a symbolic link it planted there to a root-only file.
        Path evil = dir.resolve("evil");
        Files.createDirectories(evil);
        Files.setAttribute(evil, "unix:uid", NOBODY);
        Path victim = dir.resolve("root-only/secret");
        Files.createDirectories(victim.getParent());
        Files.writeString(victim, "root's\n");
        Fixtures.asNobody("ln", "-s", victim.toString(), evil.resolve("engine.log").toString());
        String msg = load(program("engine", argv("sleep", "1"), "log = { file = \"" + evil.resolve("engine.log") + "\" }"));
        assertTrue(msg != null && msg.contains("programs.engine.log.file") && msg.contains(evil + ": this directory is "
                + "owned by uid 65534"), msg);
        // token_file the same way.
        msg = loadRaw("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n[api]\nenabled = false\ntoken_file = \""
                + evil.resolve("t") + "\"\n");
        assertTrue(msg != null && msg.contains("api.token_file") && msg.contains("owned by uid 65534"), msg);
        // A file straight in /tmp (sticky, world-writable): anybody could plant a link at its name first.
        Path inTmp = Path.of("/tmp/baton-trust-" + ProcessHandle.current().pid() + ".log");
        msg = load(program("engine", argv("sleep", "1"), "log = { file = \"" + inTmp + "\" }"));
        assertTrue(msg != null && msg.contains("/tmp: this directory is writable by every user (mode 1777)"), msg);
        // A symbolic link that nobody owns, on the way to a root directory: refused; root's own link: followed and checked.
        Path safe = dir.resolve("logs");
        Files.createDirectories(safe);
        Path nobodysLink = dir.resolve("via-nobody");
        Files.createSymbolicLink(nobodysLink, safe);
        Files.setAttribute(nobodysLink, "unix:uid", NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        msg = load(program("engine", argv("sleep", "1"), "log = { file = \"" + nobodysLink.resolve("e.log") + "\" }"));
        assertTrue(msg != null && msg.contains(nobodysLink + ": a symbolic link owned by uid 65534"), msg);
        Path rootsLink = dir.resolve("via-root");
        Files.createSymbolicLink(rootsLink, safe);
        assertNull(load(program("engine", argv("sleep", "1"), "log = { file = \"" + rootsLink.resolve("e.log") + "\" }")));
        Files.setAttribute(safe, "unix:uid", NOBODY);
        msg = load(program("engine", argv("sleep", "1"), "log = { file = \"" + rootsLink.resolve("e.log") + "\" }"));
        assertTrue(msg != null && msg.contains(safe + ": this directory is owned by uid 65534"), "the link's target: " + msg);
        // The state directory too.
        msg = loadRaw(Fixtures.agent(evil.resolve("s")) + program("engine", argv("sleep", "1")));
        assertTrue(msg != null && msg.contains("agent.state_dir") && msg.contains("owned by uid 65534"), msg);
        assertEquals("root's\n", Files.readString(victim), "nothing was written through the planted link");
        // The cluster's TLS files are read, not written, but a swapped CA or key stands in for etcd.
        Files.setPosixFilePermissions(evil, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<Path> tls = List.of(evil.resolve("ca.pem"), safe.resolve("cert.pem"), safe.resolve("key.pem"));
        Files.setAttribute(safe, "unix:uid", 0);
        for (Path f : tls) {
            Files.writeString(f, "x");
        }
        msg = loadRaw(Fixtures.agent(dir.resolve("state")) + "[cluster]\nendpoints = [\"https://10.0.0.5:2379\"]\n"
                + "tls_ca = \"" + tls.get(0) + "\"\ntls_cert = \"" + tls.get(1) + "\"\ntls_key = \"" + tls.get(2) + "\"\n");
        assertTrue(msg != null && msg.contains("the TLS file " + tls.get(0)) && msg.contains("owned by uid 65534")
                && !msg.contains("the TLS file " + tls.get(1)), msg);
        // The failsafe peer channel's own files, the same: a swapped key stands in for this host towards the others.
        msg = loadRaw(Fixtures.agent(dir.resolve("state")) + "[cluster]\nendpoints = [\"http://10.0.0.5:2379\"]\n"
                + "failsafe = true\npeer_address = \"10.0.1.11:7450\"\npeer_tls_ca = \"" + tls.get(1)
                + "\"\npeer_tls_cert = \"" + tls.get(2) + "\"\npeer_tls_key = \"" + tls.get(0) + "\"\n");
        assertTrue(msg != null && msg.contains("the TLS file " + tls.get(0)) && msg.contains("owned by uid 65534")
                && !msg.contains("the TLS file " + tls.get(1)), msg);
    }
}
