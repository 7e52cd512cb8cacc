package dev.baton.hardening;

import static dev.baton.hardening.Fixtures.argv;
import static dev.baton.hardening.Fixtures.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.config.ConfigFilePermissions;
import dev.baton.deploy.PackagedConfigTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged unit's hardening lets baton do what it does as root, and systemd's setup before a
 * start keeps what the package set up. Its per-instance cgroups
 * ({@code Delegate=yes}) are what end a program's escaped descendants: an agent run in the unit's
 * sandbox ({@link UnitSandbox}) must put a program started as another user in a cgroup of its own,
 * and its stop must end a child that left the program's process group and dropped its tags.
 */
class PackagedUnitSandboxTest {
    private static final long MARK = 150_000 + ProcessHandle.current().pid() % 50_000;

    @TempDir
    Path dir;

    private static List<ProcessHandle> escapees() {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> a.length == 1
                && a[0].equals(Long.toString(MARK))).orElse(false)).toList();
    }

    @AfterEach
    void cleanUp() throws Exception {
        escapees().forEach(ProcessHandle::destroyForcibly);
        UnitSandbox.removeDeviceCgroups();
    }

    /**
     * Engines use devices (an HSM or a USB key for their keys, SGX, a tun device): the unit leaves
     * them every device (no PrivateDevices=, no DevicePolicy=). ProtectClock=yes took them away on
     * the systemd of Ubuntu 22.04 and Debian 11 (before 252 it implies DeviceAllow=char-rtc r, and a
     * device allow-list under the default DevicePolicy=auto blocks all but the pseudo-devices).
     * /dev/net/tun stands for the engine's device.
     */
    @Test
    void inTheUnitsSandboxAProgramOpensTheDeviceItNeeds() throws Exception {
        assumeTrue(ConfigFilePermissions.effectiveUid() == 0, "needs root: unshare, a device cgroup");
        Path device = Path.of("/dev/net/tun");
        assumeTrue(Files.exists(device) && Files.isWritable(UnitSandbox.DEVICES.resolve("cgroup.procs")),
                "needs " + device + " and a writable devices (cgroup v1) controller to rebuild a device policy");
        Path result = dir.resolve("result");
        Path opener = Fixtures.script(dir, "opener.sh", "( exec 3<>" + device + " ) && echo opened > " + result
                + " || echo refused > " + result + "\nexec sleep 100000");
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state")) + program("engine", argv(opener), "start_secs = \"0s\""));
        try (AgentJvm agent = AgentJvm.with(cfg).prefix(sandbox(dir.resolve("state")).toArray(String[]::new)).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(result) && Files.size(result) > 0);
            assertEquals("opened", Files.readString(result).strip(), "the program could not open " + device
                    + " in the unit's sandbox");
            assertEquals(0, agent.sigterm(), agent.stdoutText());
        }
    }

    @Test
    void inTheUnitsSandboxAProgramsEscapedChildIsEndedThroughItsCgroup() throws Exception {
        assumeTrue(ConfigFilePermissions.effectiveUid() == 0, "needs root: unshare, a program as nobody");
        assumeTrue(cgroupsWorkHere(), "no writable cgroup v2 with cgroup.kill on this machine");
        List<String> sandbox = sandbox(dir.resolve("state"));

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path escaper = Fixtures.script(dir, "escaper.sh", "setsid env -i /bin/sleep " + MARK + " &\nexec sleep 100000");
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(dir.resolve("state"))
                + program("escaper", argv(escaper), "user = \"nobody\"", "start_secs = \"0s\"", "stop_timeout = \"2s\""));
        try (AgentJvm agent = AgentJvm.with(cfg).prefix(sandbox.toArray(String[]::new)).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> escapees().size() == 1);
            String agentId = Files.readString(dir.resolve("state/agent.id")).trim();
            String cgroup = Files.readString(Path.of("/proc/" + escapees().get(0).pid() + "/cgroup"));
            assertTrue(cgroup.contains("/baton-" + agentId + "/escaper."), "in the unit's sandbox the program got no "
                    + "cgroup of its own (" + cgroup.strip() + "); the agent said: " + agent.stdoutText().lines()
                    .filter(l -> l.contains("cgroups:")).toList());
            assertEquals(0, agent.sigterm(), agent.stdoutText());
        }
        assertEquals(List.of(), escapees().stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList(),
                "the escaped child outlived its program's stop");
    }

    /**
     * The package gives the state directory to group baton (root:baton 0750, postinst), whose
     * members use the CLI through the agent's socket in it without a token (docs/api.md). Starting
     * the agent must not take that back: systemd's StateDirectory= chowns a root service's directory
     * to root:root, the whole tree, before every start, and the group's members then reached neither
     * the socket nor the agent. A stand-in group (nogroup) plays baton here.
     */
    @Test
    void startingTheAgentKeepsTheStateDirectoryTheGroupThePackageGaveIt() throws Exception {
        assumeTrue(ConfigFilePermissions.effectiveUid() == 0, "needs root: unshare, chown");
        int group = 65534;
        Path state = dir.resolve("state");
        Files.createDirectory(state);
        Files.setAttribute(state, "unix:gid", group);
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-x---"));
        Path cfg = dir.resolve("baton.toml");
        Files.writeString(cfg, Fixtures.agent(state) + program("one", argv("/bin/sleep", "100000"), "start_secs = \"0s\""));
        try (AgentJvm agent = AgentJvm.with(cfg).prefix(sandbox(state).toArray(String[]::new)).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.stdoutText().contains("one: spawned pid"));
            assertEquals(group, Files.getAttribute(state, "unix:gid"), "the state directory's group after the start");
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
            assertEquals(0, agent.sigterm(), agent.stdoutText());
        }
    }

    private static List<String> sandbox(Path stateDirectory) throws Exception {
        return UnitSandbox.of(PackagedConfigTest.REPO.resolve("systemd/baton.service")).prefix(stateDirectory);
    }

    /** A cgroup can be made below this JVM's own cgroup v2, with cgroup.kill in it. */
    private static boolean cgroupsWorkHere() {
        try {
            Path mount = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(" - cgroup2 ")) {
                    mount = Path.of(line.split(" ")[4]);
                }
            }
            String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
                    .findFirst().orElse("0::/").substring(3).replaceFirst("^/", "");
            if (mount == null) {
                return false;
            }
            Path probe = mount.resolve(own).resolve("baton-probe-" + ProcessHandle.current().pid());
            Files.createDirectory(probe);
            try {
                return Files.exists(probe.resolve("cgroup.kill"));
            } finally {
                Files.delete(probe);
            }
        } catch (Exception e) {
            return false;
        }
    }
}
