package dev.baton.external;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies of a program outside baton: a running process of the same executable (not baton's), an
 * enabled unmasked systemd unit that starts it; the guard that holds an engine while one exists.
 */
class ExternalCopiesTest {
    /** No process has this pid: every process counts as outside "baton" here. */
    private static final int NO_AGENT = Integer.MAX_VALUE;
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

    @TempDir
    Path dir;

    private Path fakeEngine() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path target = bin.resolve("chainflip-engine1.3");
        return Files.exists(target) ? target
                : Files.copy(Path.of("/bin/sleep").toRealPath(), target, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private BatonConfig config(Path exe, String extra) throws Exception {
        return ConfigLoader.parse("[programs.engine]\ncommand = [\"" + exe + "\", \"300\"]\nengine_group = \"chainflip\"\n"
                + extra + "[programs.plain]\ncommand = [\"" + exe + "\", \"301\"]\n", Path.of("/etc/baton/baton.toml"));
    }

    @Test
    void aRunningCopyOutsideBatonHoldsTheEngineUnlessAllowed() throws Exception {
        Path exe = fakeEngine();
        Path root = Files.createDirectories(dir.resolve("root"));
        ExternalCopyGuard guard = new ExternalCopyGuard(config(exe, ""), NO_AGENT, ENV, root);
        assertNull(guard.holdReason("engine"), "nothing runs it yet");
        Process copy = new ProcessBuilder(exe.toString(), "300").start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> guard.holdReason("engine") != null);
            String reason = guard.holdReason("engine");
            assertTrue(reason.contains("pid " + copy.pid() + " runs " + exe.toRealPath() + " outside baton"), reason);
            assertTrue(reason.contains("allow_external_copies = true"), reason);
            assertNull(guard.holdReason("plain"), "a plain program is not held (check-config still warns)");
            assertNull(new ExternalCopyGuard(config(exe, "allow_external_copies = true\n"), NO_AGENT, ENV, root)
                    .holdReason("engine"), "allowed by the config");
            assertNull(new ExternalCopyGuard(config(exe, ""), (int) ProcessHandle.current().pid(), ENV, root)
                    .holdReason("engine"), "a descendant of the agent is its own program");
            List<ExternalCopies.Copy> found = new ExternalCopies(root, NO_AGENT).of(exe.toRealPath());
            assertEquals(1, found.size(), found.toString());
            Map<String, List<ExternalCopies.Copy>> all = ExternalCopyGuard.all(config(exe, ""), NO_AGENT, ENV);
            assertEquals(List.of("engine", "plain"), List.copyOf(all.keySet()), "check-config reports every program");
        } finally {
            copy.destroyForcibly().waitFor();
        }
    }

    @Test
    void anEnabledUnitThatStartsTheExecutableIsACopyAMaskedOneIsNot() throws Exception {
        Path exe = fakeEngine().toRealPath();
        Path root = Files.createDirectories(dir.resolve("root"));
        Path lib = Files.createDirectories(root.resolve("lib/systemd/system"));
        Files.writeString(lib.resolve("chainflip-engine1.3.service"), "[Service]\nExecStart=" + exe
                + " --config-root /etc/chainflip/\n[Install]\nWantedBy=multi-user.target\n");
        ExternalCopies installedOnly = new ExternalCopies(root, NO_AGENT);
        assertEquals(List.of(), installedOnly.of(exe), "installed but not enabled: systemd does not start it");
        Path wants = Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("chainflip-engine1.3.service"), lib.resolve("chainflip-engine1.3.service"));
        List<ExternalCopies.Copy> enabled = new ExternalCopies(root, NO_AGENT).of(exe);
        assertEquals(1, enabled.size());
        assertTrue(enabled.get(0).what().contains("systemd unit chainflip-engine1.3.service (enabled"), enabled.toString());
        assertEquals("systemctl disable --now chainflip-engine1.3.service && systemctl mask chainflip-engine1.3.service",
                enabled.get(0).fix());
        Files.createSymbolicLink(root.resolve("etc/systemd/system/chainflip-engine1.3.service"), Path.of("/dev/null"));
        assertEquals(List.of(), new ExternalCopies(root, NO_AGENT).of(exe), "masked: nothing starts it");
    }

    /**
     * What systemd runs is the unit with its drop-ins: `systemctl edit` writes ExecStart= (reset) and a
     * new ExecStart= into NAME.service.d/override.conf. The scan read the unit file alone, so the
     * overridden executable, the one systemd starts, was never found.
     */
    @Test
    void anExecStartOverriddenInADropInIsTheOneSystemdStarts() throws Exception {
        Path exe = fakeEngine().toRealPath();
        Path root = Files.createDirectories(dir.resolve("root"));
        Path lib = Files.createDirectories(root.resolve("lib/systemd/system"));
        Files.writeString(lib.resolve("chainflip-engine.service"), "[Service]\nExecStart=/usr/bin/chainflip-engine "
                + "--config-root /etc/chainflip/\n[Install]\nWantedBy=multi-user.target\n");
        Path override = Files.createDirectories(root.resolve("etc/systemd/system/chainflip-engine.service.d"));
        Files.writeString(override.resolve("override.conf"), "[Service]\nExecStart=\nExecStart=" + exe
                + " --config-root /etc/chainflip/\n");
        Path wants = Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("chainflip-engine.service"), lib.resolve("chainflip-engine.service"));
        List<ExternalCopies.Copy> found = new ExternalCopies(root, NO_AGENT).of(exe);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).what().contains("systemd unit chainflip-engine.service (enabled"), found.toString());
    }

    /** An enabled instance (a link named engine@mainnet.service) of a template starts the template's command. */
    @Test
    void anEnabledInstanceOfATemplateIsACopy() throws Exception {
        Path exe = fakeEngine().toRealPath();
        Path root = Files.createDirectories(dir.resolve("root"));
        Path lib = Files.createDirectories(root.resolve("lib/systemd/system"));
        Files.writeString(lib.resolve("engine@.service"), "[Service]\nExecStart=" + exe
                + " --chain %i\n[Install]\nWantedBy=multi-user.target\n");
        assertEquals(List.of(), new ExternalCopies(root, NO_AGENT).of(exe), "a template alone starts nothing");
        Path wants = Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("engine@mainnet.service"), lib.resolve("engine@.service"));
        List<ExternalCopies.Copy> found = new ExternalCopies(root, NO_AGENT).of(exe);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).what().contains("systemd unit engine@mainnet.service (enabled"), found.toString());
        assertEquals("systemctl disable --now engine@mainnet.service && systemctl mask engine@mainnet.service",
                found.get(0).fix());
    }

    @Test
    void shellsAndInterpretersAreNotGuarded() throws Exception {
        assertNull(ExternalCopies.executable(List.of("sh", "-c", "x"), ENV));
        assertNull(ExternalCopies.executable(List.of("/usr/bin/python3", "engine.py"), ENV));
        assertEquals(fakeEngine().toRealPath(), ExternalCopies.executable(List.of(fakeEngine().toString()), ENV));
    }
}
