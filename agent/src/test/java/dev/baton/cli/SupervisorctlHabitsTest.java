package dev.baton.cli;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.api.RunningAgent;
import dev.baton.cli.CliTest.Run;
import dev.baton.process.ProcessState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * supervisorctl's habits against a running agent: status exits 3 off the wanted state, several
 * names and GROUP:* in one command, tail -N and one stream, pid, version, shutdown.
 */
class SupervisorctlHabitsTest {
    @TempDir
    static Path dir;
    static RunningAgent agent;

    @BeforeAll
    static void start() throws Exception {
        agent = new RunningAgent(dir);
        String talker = agent.script("talker.sh", "echo one; echo two; echo three; echo err1 >&2; echo err2 >&2; "
                + "exec sleep 300");
        // An engine the handover holds after its real "update your CFE" line: not where it should be.
        String runner = agent.script("runner.sh", "echo 'You need to update your CFE. The current version of the CFE you"
                + " are running is not compatible with the latest runtime update.'; exit 0");
        agent.config("[groups.runner]\nprofile = \"chainflip\"\n\n"
                + program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("api2", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("talker", talker, "start_secs = \"0s\"")
                + program("idle", "[\"sleep\", \"300\"]", "autostart = false")
                + program("cfe", runner, "start_secs = \"0s\"", "engine_group = \"runner\"", "restart = \"always\"")).start();
        agent.awaitState("web", ProcessState.RUNNING);
        agent.awaitState("api2", ProcessState.RUNNING);
        agent.awaitState("talker", ProcessState.RUNNING);
        agent.awaitState("cfe", ProcessState.EXITED);
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.status("cfe").hold() != null);
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    /** {@code baton ARGS} against this test's agent, {@code -N} taken as {@code Main.main} takes it. */
    static Run baton(String... args) {
        List<String> all = new ArrayList<>(List.of(TailCommand.supervisorctlLines(args)));
        all.addAll(List.of("--url", agent.url(), "--token-file", agent.tokenFile().toString()));
        return CliTest.exec(all.toArray(String[]::new));
    }

    /** Through {@link DirectCommands}, as {@code Main.main} runs status, start, stop and restart. */
    static Run direct(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", agent.url(), "--token-file", agent.tokenFile().toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Integer code = DirectCommands.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void statusExits3OnlyWhenAProgramShownIsOffItsWantedState() throws Exception {
        Run fine = baton("status", "web", "api2", "idle");
        assertEquals(0, fine.code(), fine.toString()); // idle: autostart = false, STOPPED as wanted
        assertTrue(fine.out().contains("web") && fine.out().contains("api2") && fine.out().contains("idle"), fine.out());
        assertFalse(fine.out().contains("talker"), fine.out());

        Run all = baton("status");
        assertEquals(3, all.code(), all.toString()); // cfe is held: the handover will not restart it
        assertEquals(3, direct("status").code());
        assertEquals(0, direct("status", "web", "talker").code());

        for (String group : List.of("runner:*", "runner")) {
            Run g = baton("status", group);
            assertEquals(3, g.code(), g.toString());
            assertTrue(g.out().contains("cfe") && g.out().contains("group runner"), g.out());
            assertFalse(g.out().contains("web"), g.out());
        }
        Run json = baton("status", "--json", "web", "runner:*");
        assertEquals(3, json.code(), json.toString());
        assertEquals(2, json.json().path("programs").size(), json.out());

        Run unknown = baton("status", "web", "nosuch:*");
        assertEquals(4, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("no engine group named nosuch"), unknown.err());
        assertEquals(4, baton("status", "nosuch").code());
    }

    @Test
    void severalNamesInOneAction() throws Exception {
        int web = agent.status("web").pid();
        int api2 = agent.status("api2").pid();
        Run r = direct("restart", "web", "api2");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("web") && r.out().contains("api2"), r.out());
        assertNotEquals(web, agent.status("web").pid());
        assertNotEquals(api2, agent.status("api2").pid());

        Run json = baton("restart", "--json", "web", "api2");
        assertEquals(0, json.code(), json.toString());
        assertTrue(json.json().path("ok").asBoolean());
        assertEquals(2, json.json().path("results").size(), json.out());

        assertEquals(4, baton("stop", "web", "nosuch").code());
        assertEquals(ProcessState.RUNNING, agent.status("web").state()); // nothing done when a name is wrong
    }

    @Test
    void tailTakesMinusNAndOneStream() {
        await().atMost(Duration.ofSeconds(30)).until(() -> baton("tail", "talker").err().contains("err2"));
        Run two = baton("tail", "-2", "talker");
        assertEquals(0, two.code(), two.toString());
        assertEquals(2, (two.out() + two.err()).lines().count(), two.toString()); // the two pipes interleave freely

        Run out = baton("tail", "-2", "talker", "stdout");
        assertEquals("two\nthree\n", out.out(), out.toString());
        assertEquals("", out.err());
        Run err = baton("tail", "talker", "stderr");
        assertEquals("", err.out(), err.toString());
        assertEquals("err1\nerr2\n", err.err());

        Run bad = baton("tail", "talker", "stdin");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("stdout or stderr"), bad.err());
    }

    @Test
    void tailFollowOfOneStream() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Thread t = new Thread(() -> CliTest.exec(out, err, "tail", "-f", "-n", "5", "talker", "stdout", "--url", agent.url()));
        t.setDaemon(true);
        t.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("three"));
        assertEquals("one\ntwo\nthree\n", out.toString());
        assertEquals("", err.toString());
        t.interrupt();
    }

    @Test
    void historyRecordsOperatorActionsWithWhoAsked() throws Exception {
        assertEquals(0, baton("stop", "idle").code());
        assertEquals(4, baton("stop", "nosuch").code()); // nothing done: nothing recorded
        assertNotEquals(0, baton("signal", "HUP", "nosuch").code()); // neither for a signal
        Run signalled = CliTest.exec("signal", "CONT", "talker", "--socket", agent.stateDir.resolve("api.sock").toString());
        assertEquals(0, signalled.code(), signalled.toString());

        JsonNode events = baton("history", "--json", "-n", "1000").json().path("events");
        JsonNode stop = null;
        JsonNode signal = null;
        for (JsonNode e : events) {
            assertNotEquals("nosuch", e.path("program").asText(), events.toString());
            if (e.path("kind").asText().equals("OPERATOR_ACTION") && e.path("program").asText().equals("idle")) {
                stop = e;
            }
            if (e.path("kind").asText().equals("OPERATOR_ACTION") && e.path("program").asText().equals("talker")) {
                signal = e;
            }
        }
        assertEquals("token", stop.path("actor").asText(), events.toString()); // over TCP: whoever holds the token
        assertEquals("token: stop idle", stop.path("message").asText());
        assertTrue(stop.path("time").asText().matches("\\d{4}-.*\\.\\d{3}Z"), stop.toString());
        String me = System.getProperty("user.name");
        assertEquals(me, signal.path("actor").asText(), events.toString()); // the socket's peer, as the kernel says
        assertEquals(me + ": signal SIGCONT talker", signal.path("message").asText());
        assertTrue(baton("history", "-n", "1000").out().contains("OPERATOR_ACTION"));
    }

    @Test
    void rereadShowsAndUpdateAppliesOnlyWhatItIsToldTo() throws Exception {
        String original = Files.readString(agent.configFile);
        try {
            Files.writeString(agent.configFile, original + program("extra", "[\"sleep\", \"300\"]", "start_secs = \"0s\""));
            Run reread = baton("reread");
            assertEquals(0, reread.code(), reread.toString());
            assertEquals("a reload would change: added extra; 5 unchanged\n", reread.out());
            assertEquals(4, baton("status", "extra").code()); // nothing applied

            Run other = baton("update", "web");
            assertEquals(1, other.code(), other.toString());
            assertTrue(other.err().contains("also change extra (added)"), other.err());
            assertEquals(4, baton("status", "extra").code());

            Run update = baton("update", "extra");
            assertEquals(0, update.code(), update.toString());
            assertEquals("reloaded: added extra; 5 unchanged\n", update.out());
            agent.awaitState("extra", ProcessState.RUNNING);

            Files.writeString(agent.configFile, original.replace("[programs.web]", "[programs.web\n"));
            Run broken = baton("reread");
            assertEquals(1, broken.code(), broken.toString());
            assertTrue(broken.out().startsWith("a reload would be refused:\n  " + agent.configFile), broken.out());
        } finally {
            Files.writeString(agent.configFile, original);
        }
        Run back = baton("update");
        assertEquals(0, back.code(), back.toString());
        assertEquals("reloaded: removed extra; 5 unchanged\n", back.out());
    }

    @Test
    void maintailPrintsTheAgentsOwnLines() throws Exception {
        Run r = baton("maintail", "-n", "500");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT.*\\.\\d{3}Z ERROR runner: cfe \\(version "
                + "unknown\\) says it must not be restarted .*")), r.out());
        assertEquals(2, baton("maintail", "-2").out().lines().count());
        JsonNode json = baton("maintail", "--json", "-n", "1").json();
        assertEquals(1, json.path("lines").size(), json.toString());
        assertTrue(json.path("lines").get(0).path("level").isTextual(), json.toString());
    }

    @Test
    void helpIsACommandToo() {
        Run all = CliTest.exec("help");
        assertEquals(0, all.code(), all.toString());
        assertTrue(all.out().contains("maintail") && all.out().contains("reread"), all.out());
        Run one = CliTest.exec("help", "status");
        assertEquals(0, one.code(), one.toString());
        assertTrue(one.out().contains("Exit 3 when a program shown is not in the state the agent wants it in"), one.out());
    }

    @Test
    void pidAndVersion() {
        Run agentPid = baton("pid");
        assertEquals(0, agentPid.code(), agentPid.toString());
        assertEquals(ProcessHandle.current().pid() + "\n", agentPid.out());
        assertEquals(agent.status("talker").pid() + "\n", baton("pid", "talker").out());
        assertEquals("0\n", baton("pid", "idle").out());
        assertEquals(4, baton("pid", "nosuch").code());

        Run version = baton("version");
        assertEquals(0, version.code(), version.toString());
        assertEquals("client " + Main.Version.get() + "\nagent  " + Main.Version.get() + "\n", version.out());
    }

    /** --json, which their help offers as for every client command, prints the API's document they read. */
    @Test
    void pidAndVersionWithJson() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Run agentPid = baton("pid", "--json");
        assertEquals(0, agentPid.code(), agentPid.toString());
        assertEquals(ProcessHandle.current().pid(), json.readTree(agentPid.out()).path("agent").path("pid").asLong(), agentPid.out());
        Run talker = baton("pid", "talker", "--json");
        assertEquals(agent.status("talker").pid(), json.readTree(talker.out()).path("pid").asLong(), talker.out());
        Run version = baton("version", "--json");
        assertEquals(0, version.code(), version.toString());
        assertEquals(Main.Version.get(), json.readTree(version.out()).path("version").asText(), version.out());
    }

    @Test
    void shutdownOverTcpNeedsTheToken(@TempDir Path noToken) throws Exception {
        java.nio.file.Files.writeString(noToken.resolve("t"), "wrong-token-0123456789abcdef0123456789\n");
        assertEquals(5, CliTest.exec("shutdown", "--url", agent.url(), "--token-file", noToken.resolve("t").toString()).code());
        assertEquals(200, agent.http().get("/healthz").status());
    }
}
