package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check-config asks this host what the files cannot say, and names the line of each finding. */
class CheckConfigTest {
    @TempDir
    Path dir;

    @Test
    void missingCommandsUnknownAccountsAndATakenPortAreFoundWithTheirLines() throws Exception {
        Path notExecutable = dir.resolve("engine-1.2");
        Files.writeString(notExecutable, "#!/bin/sh\n");
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-r--r--"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = write("""
                    [agent]
                    state_dir = "%s"

                    [api]
                    port = %d

                    [programs.missing]
                    command = ["/nonexistent/chainflip-engine1.1"]

                    [programs.notexec]
                    command = ["%s"]

                    [programs.nopath]
                    command = "no-such-program-baton --flag"

                    [programs.accounts]
                    command = ["sleep", "1"]
                    user = "no-such-user-baton"
                    group = "no-such-group-baton"
                    directory = "/nonexistent/dir"
                    """.formatted(dir.resolve("state"), taken.getLocalPort(), notExecutable));
            CliTest.Run r = CliTest.exec("check-config", "-q", "--config", config.toString());
            assertEquals(2, r.code(), r.err());
            String c = config.toString();
            assertTrue(r.err().contains("is valid, but this host cannot run it (7 problem(s)"), r.err());
            assertTrue(r.err().contains(c + ":5: api.port: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
            assertTrue(r.err().contains(c + ":8: programs.missing.command: cannot start /nonexistent/chainflip-engine1.1"), r.err());
            assertTrue(r.err().contains(c + ":11: programs.notexec.command: cannot start " + notExecutable), r.err());
            assertTrue(r.err().contains(c + ":14: programs.nopath.command: command not found: no-such-program-baton"), r.err());
            assertTrue(r.err().contains(c + ":18: programs.accounts.user: unknown user 'no-such-user-baton'"), r.err());
            assertTrue(r.err().contains(c + ":19: programs.accounts.group: unknown group 'no-such-group-baton'"), r.err());
            assertTrue(r.err().contains(c + ":20: programs.accounts.directory: the working directory /nonexistent/dir"), r.err());

            CliTest.Run filesOnly = CliTest.exec("check-config", "-q", "--no-host-checks", "--config", c);
            assertEquals(0, filesOnly.code(), filesOnly.err());
        }
    }

    @Test
    void aUserFromDefaultsIsReportedWhereDefaultsSetsIt() throws Exception {
        Path config = write("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n[api]\nenabled = false\n"
                + "[defaults]\nuser = \"no-such-user-baton\"\n[programs.web]\ncommand = [\"sleep\", \"300\"]\n");
        CliTest.Run r = CliTest.exec("check-config", "-q", "--config", config.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(config + ":6: defaults.user: unknown user 'no-such-user-baton'"), r.err());
        assertTrue(r.err().contains("(for web)"), r.err());
    }

    @Test
    void aPortHeldByTheRunningAgentIsANoteNotAProblem() throws Exception {
        HttpServer agent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        agent.createContext("/healthz", exchange -> {
            byte[] body = "{\"status\":\"ok\",\"version\":\"0.1.0\",\"uptime_seconds\":5}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        agent.start();
        try {
            Path config = write("[agent]\nstate_dir = \"" + dir.resolve("state") + "\"\n[api]\nport = "
                    + agent.getAddress().getPort() + "\n[programs.web]\ncommand = [\"sleep\", \"300\"]\nuser = \"root\"\n");
            CliTest.Run r = CliTest.exec("check-config", "-q", "--config", config.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("note: api.port " + agent.getAddress().getPort() + " is held by the baton agent"), r.err());
        } finally {
            agent.stop(0);
        }
    }

    /** After "is valid": each engine group's profile, its engines in version order, its releases and upgrade steps. */
    @Test
    void theSummarySaysWhatTheAgentDoesWithEachEngineGroup() throws Exception {
        Path config = write("""
                [agent]
                state_dir = "%s"

                [programs."chainflip-engine1.1"]
                command = ["/usr/bin/chainflip-engine1.1"]
                engine_group = "chainflip"
                version = "1.1.0"

                [programs."chainflip-engine1.0"]
                command = ["/usr/bin/chainflip-engine1.0"]
                engine_group = "chainflip"
                version = "1.0.3"

                [programs.chainflip-runner]
                command = ["/usr/bin/chainflip-engine"]
                engine_group = "chainflip"

                [groups.chainflip.releases]
                apt_index = "https://apt.example.org/Packages"
                package = "chainflip-engine*"
                interval = "2h"

                [programs.mychaind-v10]
                command = ["/usr/local/bin/mychaind-v10"]
                engine_group = "mine"
                version = "10.0.0"

                [programs.mychaind-v9]
                command = ["/usr/local/bin/mychaind-v9"]
                engine_group = "mine"
                version = "9.1.0"

                [groups.mine]
                profile = "mychain"
                pre_upgrade = ["/usr/local/bin/pre-upgrade", "--home", "/var/lib/my chain"]
                pre_upgrade_retries = 2
                backup = ["/usr/local/bin/backup"]

                [profiles.mychain]
                compatibility = "major"
                handover = "sequential"

                [[profiles.mychain.rules]]
                event = "upgrade_needed"
                contains = ["NEEDED at height: "]
                regex = 'UPGRADE "[^"]+" NEEDED at height: \\d+'

                [programs.web]
                command = ["/bin/sleep", "300"]
                """.formatted(dir.resolve("state")));
        CliTest.Run r = CliTest.exec("check-config", "--no-host-checks", "--config", config.toString());
        assertEquals(0, r.code(), r.err());
        String expected = "baton: configuration " + config + " is valid (1 file(s), 6 program(s), 2 engine group(s))\n"
                + "  engine group chainflip: profile chainflip (built in: side-by-side, a version runs under a release of the"
                + " same major and minor, 14 recognition rule(s))\n"
                + "    engines in version order: chainflip-engine1.0 1.0.3, chainflip-engine1.1 1.1.0, chainflip-runner"
                + " (version learned from its output)\n"
                + "    releases: apt https://apt.example.org/Packages (chainflip-engine*), polled every 2h\n"
                + "  engine group mine: profile mychain ([profiles.mychain]: sequential, a version runs under a release of the"
                + " same major, 1 recognition rule(s))\n"
                + "    engines in version order (one runs at a time, the next after the upgrade): mychaind-v9 9.1.0,"
                + " mychaind-v10 10.0.0\n"
                + "    releases: not followed (no [groups.mine.releases])\n"
                + "    between two versions: pre_upgrade /usr/local/bin/pre-upgrade --home '/var/lib/my chain' (timeout 5m,"
                + " 2 retries), then backup /usr/local/bin/backup (timeout 1h)\n";
        assertEquals(expected, r.err());
        // The effective config has the groups and the profile too, and loads back as it is.
        assertTrue(r.out().contains("[groups.mine]\nprofile = \"mychain\"\n"), r.out());
        assertTrue(r.out().contains("[[profiles.mychain.rules]]\nevent = \"upgrade_needed\"\n"), r.out());
        Path printed = dir.resolve("printed.toml");
        Files.writeString(printed, r.out());
        CliTest.Run again = CliTest.exec("check-config", "--no-host-checks", "--config", printed.toString());
        assertEquals(r.out().replaceAll("(?m)^#.*\n", ""), again.out().replaceAll("(?m)^#.*\n", ""), again.err());

        CliTest.Run quiet = CliTest.exec("check-config", "-q", "--no-host-checks", "--config", config.toString());
        assertEquals("baton: configuration " + config + " is valid (1 file(s), 6 program(s), 2 engine group(s))\n", quiet.err());
    }

    private Path write(String toml) throws Exception {
        Path file = dir.resolve("baton.toml");
        Files.writeString(file, toml);
        return file;
    }
}
