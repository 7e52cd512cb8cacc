package dev.baton.cli;

import static dev.baton.api.RunningAgent.program;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.RunningAgent;
import dev.baton.process.ProcessState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client commands against a running agent: output, --json, exit codes. */
class CliTest {
    @TempDir
    static Path dir;
    static RunningAgent agent;

    @BeforeAll
    static void start() throws Exception {
        agent = new RunningAgent(dir);
        String talker = agent.script("talker.sh", "echo one; echo two; echo err >&2; exec sleep 300");
        String ticker = agent.script("ticker.sh", "i=1; while :; do echo \"tick $i\"; i=$((i+1)); sleep 0.2; done");
        agent.config(program("web", "[\"sleep\", \"300\"]", "start_secs = \"0s\"")
                + program("ticker", ticker, "start_secs = \"0s\"")
                + program("talker", talker, "start_secs = \"0s\"")
                + program("broken", "[\"/bin/false\"]", "autostart = false", "start_secs = \"1s\"",
                "start_retries = 0")).start();
        agent.awaitState("web", ProcessState.RUNNING);
        agent.awaitState("talker", ProcessState.RUNNING);
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    /** Runs {@code baton ARGS} against the test agent (its URL and token file), output captured. */
    static Run baton(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", agent.url(), "--token-file", agent.tokenFile().toString()));
        return exec(all.toArray(String[]::new));
    }

    static Run exec(String... args) {
        return exec(new StringWriter(), new StringWriter(), args);
    }

    /** With the caller's writers, to watch a long-running command's output as it comes. */
    static Run exec(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** {@code baton status} exits 3 once broken went FATAL (another test starts it): supervisorctl's convention. */
    private static int statusCode() {
        return agent.status("broken").state() == ProcessState.FATAL ? 3 : 0;
    }

    @Test
    void statusPrintsATable() {
        Run r = baton("status");
        assertEquals(statusCode(), r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("PROGRAM +GROUP +VERSION +ROLE +STATE +PID +UPTIME +RESTARTS +LAST EXIT"), lines[0]);
        assertTrue(r.out().contains("broken") && r.out().contains("STOPPED"), r.out());
        String web = List.of(lines).stream().filter(l -> l.startsWith("web ")).findFirst().orElseThrow();
        assertTrue(web.matches("web +- +- +- +RUNNING +" + agent.status("web").pid() + " +\\d+(s|m\\d\\ds) +\\d+ +.+"), web);
    }

    @Test
    void statusWithoutPicocliPrintsWhatPicocliDoes() throws Exception {
        Run direct = direct("status", "--url", agent.url());
        Run parsed = exec("status", "--url", agent.url());
        assertEquals(statusCode(), direct.code(), direct.err());
        assertEquals(parsed.out().lines().map(l -> l.replaceAll("\\d+(s|m\\d\\ds)", "T")).toList(),
                direct.out().lines().map(l -> l.replaceAll("\\d+(s|m\\d\\ds)", "T")).toList());
        JsonNode one = new ObjectMapper().readTree(direct("status", "web", "--url=" + agent.url(), "--json").out());
        assertEquals("RUNNING", one.path("state").asText(), one.toString());
        Run missing = direct("status", "nosuch", "--url", agent.url());
        assertEquals(exec("status", "nosuch", "--url", agent.url()).code(), missing.code());
        assertTrue(missing.err().startsWith("baton: "), missing.err());
        // Anything else goes through picocli: help, other options, mistakes, other commands
        for (String[] other : List.of(new String[] {"status", "--help"}, new String[] {"status", "--config", "f"},
                new String[] {"status", "--url"}, new String[] {"stop"},
                new String[] {"restart", "web", "-h"}, new String[] {"history"})) {
            assertEquals(null, DirectCommands.run(other, new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter())), String.join(" ", other));
        }
    }

    @Test
    void startStopRestartWithoutPicocliAnswerAsPicocliDoes() throws Exception {
        String[] api = {"--url", agent.url(), "--token-file=" + agent.tokenFile()};
        Run stop = direct(concat(new String[] {"stop", "web"}, api));
        assertEquals(0, stop.code(), stop.err());
        assertEquals("web: STOPPED\n", stop.out());
        assertEquals(ProcessState.STOPPED, agent.status("web").state());
        Run start = direct(concat(new String[] {"start", "web"}, api));
        assertEquals(0, start.code(), start.err());
        assertTrue(start.out().startsWith("web: RUNNING (pid "), start.out());
        Run restart = direct(concat(new String[] {"restart", "--json", "web"}, api));
        assertTrue(new ObjectMapper().readTree(restart.out()).path("ok").asBoolean(), restart.out());
        Run unknown = direct(concat(new String[] {"start", "nosuch"}, api));
        Run parsed = baton("start", "nosuch");
        assertEquals(parsed.code(), unknown.code());
        assertEquals(parsed.err(), unknown.err());
        assertEquals(5, direct("stop", "web", "--url", agent.url(), "--token-file", dir.resolve("nope").toString()).code());
    }

    private static String[] concat(String[] a, String[] b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static Run direct(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Integer code = DirectCommands.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertTrue(code != null, String.join(" ", args));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void statusJsonIsTheApiDocument() throws Exception {
        Run r = baton("status", "--json");
        assertEquals(statusCode(), r.code());
        assertEquals(4, r.json().path("programs").size());
        Run one = baton("status", "web", "--json");
        assertEquals("web", one.json().path("name").asText());
        assertEquals(4, baton("status", "nosuch").code());
    }

    @Test
    void startStopRestartWithExitCodes() {
        Run stop = baton("stop", "web");
        assertEquals(0, stop.code(), stop.err());
        assertEquals("web: STOPPED\n", stop.out());
        assertEquals(ProcessState.STOPPED, agent.status("web").state());

        Run start = baton("start", "web");
        assertEquals(0, start.code(), start.err());
        assertTrue(start.out().startsWith("web: RUNNING (pid "), start.out());

        Run restart = baton("restart", "web");
        assertEquals(0, restart.code());

        Run failed = baton("start", "broken");
        assertEquals(1, failed.code(), failed.out());
        assertTrue(failed.out().startsWith("broken: "), failed.out());
        assertEquals(3, baton("status", "broken").code()); // FATAL: not where it should be, as in supervisorctl

        Run unknown = baton("start", "nosuch");
        assertEquals(4, unknown.code());
        assertEquals("baton: no program or engine group named nosuch\n", unknown.err());
        assertEquals(2, baton("start", "../etc").code());
    }

    @Test
    void signalAndItsConflict() {
        assertEquals(0, baton("signal", "CONT", "web").code());
        Run conflict = baton("signal", "HUP", "broken");
        assertEquals(1, conflict.code());
        assertTrue(conflict.err().contains("not running"), conflict.err());
        assertEquals(2, baton("signal", "NOSUCHSIG", "web").code());
    }

    @Test
    void actionsJson() throws Exception {
        Run r = baton("restart", "talker", "--json");
        assertEquals(0, r.code());
        assertTrue(r.json().path("ok").asBoolean());
        assertEquals("talker", r.json().path("programs").get(0).path("name").asText());
    }

    @Test
    void tailPrintsStdoutAndStderrApart() {
        org.awaitility.Awaitility.await().until(() -> baton("tail", "talker").out().contains("two"));
        Run r = baton("tail", "-n", "3", "talker");
        assertEquals(0, r.code());
        assertTrue(r.out().endsWith("one\ntwo\n"), r.out());
        assertEquals("err\n", r.err());
        assertEquals(4, baton("tail", "nosuch").code());
    }

    @Test
    void tailFollowPrintsNewLinesUntilTheStreamEnds() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> args = List.of("tail", "-f", "-n", "2", "ticker", "--url", agent.url());
        CompletableFuture<Run> tail = CompletableFuture.supplyAsync(() -> exec(out, err, args.toArray(String[]::new)));
        await().atMost(Duration.ofSeconds(20)).until(() -> out.toString().lines().count() >= 5);
        List<String> lines = out.toString().lines().toList();
        for (int i = 1; i < lines.size(); i++) {
            int prev = Integer.parseInt(lines.get(i - 1).substring(5));
            assertEquals(prev + 1, Integer.parseInt(lines.get(i).substring(5)), "consecutive ticks: " + lines);
        }

        String original = Files.readString(agent.configFile);
        try {
            // ticker leaves the config: the agent ends its followers' streams.
            Files.writeString(agent.configFile, original.replaceAll("(?s)\\[programs\\.ticker\\].*?\n\n", ""));
            assertEquals(0, baton("reload").code());
            Run ended = tail.get(30, TimeUnit.SECONDS);
            assertEquals(1, ended.code());
            assertTrue(err.toString().contains("the log stream ended"), err.toString());
        } finally {
            Files.writeString(agent.configFile, original);
            baton("reload");
        }
    }

    @Test
    void historyAndReload() throws Exception {
        Run h = baton("history");
        assertEquals(0, h.code());
        for (JsonNode e : baton("history", "--json", "-n", "1000").json().path("events")) {
            assertEquals("OPERATOR_ACTION", e.path("kind").asText(), e.toString()); // no handover here, only operators
        }
        Run reload = baton("reload");
        assertEquals(0, reload.code(), reload.err());
        assertTrue(reload.out().matches("reloaded: \\d unchanged\n"), reload.out());
        String original = Files.readString(agent.configFile);
        try {
            Files.writeString(agent.configFile, "\uFEFF\n# emptied\n");
            Run refused = baton("reload");
            assertEquals(1, refused.code());
            assertTrue(refused.out().startsWith("reload refused, nothing changed:") && refused.out().contains("is empty")
                    && refused.out().contains("baton reload --force"), refused.out());
        } finally {
            Files.writeString(agent.configFile, original);
        }
    }

    @Test
    void theTokenIsFoundThroughTheAgentsConfig() {
        Run r = exec("restart", "web", "--url", agent.url(), "--config", agent.configFile.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void theAgentIsFoundThroughTheConfigGiven() throws Exception {
        Run r = exec("status", "--config", agent.configFile.toString()); // its socket, under the config's state_dir
        assertEquals(statusCode(), r.code(), r.err());
        assertTrue(r.out().contains("web"), r.out());
        ClientOptions options = new ClientOptions();
        options.config = new ConfigOption();
        options.config.file = agent.configFile;
        assertEquals(agent.url(), options.baseUri(true).toString()); // its [api] port, not 9176
        assertEquals(agent.stateDir.resolve("api.sock"), options.socket());
        assertEquals("127.0.0.1", ClientOptions.connectHost("0.0.0.0"));
        assertEquals("[::1]", ClientOptions.connectHost("::"));
        assertEquals("[fd00::5]", ClientOptions.connectHost("fd00::5"));
    }

    @Test
    void anInvalidConfigIsReportedAsInvalidNotAsAMissingToken() throws Exception {
        Path bad = dir.resolve("bad.toml");
        Files.writeString(bad, "[api]\nport = \"x\"\n"); // where the agent is: nothing to go on
        for (Run r : List.of(exec("stop", "web", "--url", agent.url(), "--config", bad.toString()),
                exec("status", "--config", bad.toString()))) {
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().startsWith("baton: invalid config " + bad), r.err());
            assertTrue(r.err().contains("bad.toml:2"), r.err());
            // one problem a line, as check-config prints them: the CLI's own line breaks are not escaped
            assertTrue(r.err().contains("\n" + bad + ":2: api.port"), r.err());
            assertFalse(r.err().contains("\\x0a"), r.err());
            assertTrue(!r.err().contains("no API token"), r.err());
        }
        assertEquals(ProcessState.RUNNING, agent.status("web").state());
    }

    /**
     * A drop-in being edited (or a broken program in the main file) does not keep an operator's command
     * from the agent: the main file's [agent] and [api] say where it is, with a warning. The CLI refused
     * every command, baton stop included, until the config loaded again.
     */
    @Test
    void aConfigThatDoesNotLoadStillSaysWhereTheAgentIs() throws Exception {
        Path dropIns = agent.configFile.resolveSibling("conf.d");
        Path broken = dropIns.resolve("half-written.toml");
        Files.createDirectories(dropIns);
        Files.writeString(broken, "[programs.new]\ncommand = [\"/bin/sleep\", \"300\"\n");
        try {
            Run stop = exec("stop", "web", "--config", agent.configFile.toString()); // the socket of its state_dir
            assertEquals(0, stop.code(), stop.err());
            assertTrue(stop.err().contains("warning: the config " + agent.configFile + " does not load"), stop.err());
            assertEquals(ProcessState.STOPPED, agent.status("web").state());
            Run start = exec("start", "web", "--config", agent.configFile.toString(), "--url", agent.url()); // its token file
            assertEquals(0, start.code(), start.err());
            assertEquals(ProcessState.RUNNING, agent.status("web").state());
        } finally {
            Files.delete(broken);
            Files.delete(dropIns);
        }
    }

    @Test
    void tokenProblemsAreExit5() throws Exception {
        Run missing = exec("stop", "web", "--url", agent.url(), "--token-file", dir.resolve("nope").toString());
        assertEquals(5, missing.code());
        assertTrue(missing.err().contains("no API token at"), missing.err());

        Path wrong = dir.resolve("wrong.token");
        Files.writeString(wrong, "0".repeat(64));
        assertEquals(5, exec("stop", "web", "--url", agent.url(), "--token-file", wrong.toString()).code());
        assertEquals(ProcessState.RUNNING, agent.status("web").state());
    }

    @Test
    void agentNotRunningIsExit3WithAClearMessage() throws Exception {
        String url = "http://127.0.0.1:" + RunningAgent.freePort();
        Run r = exec("status", "--url", url);
        assertEquals(3, r.code());
        assertEquals("baton: baton agent is not running at " + url + " (start it with: systemctl start baton)\n", r.err());
        assertEquals(3, exec("stop", "web", "--url", url, "--token-file", agent.tokenFile().toString()).code());
    }

    @Test
    void helpListsTheExitCodes() {
        Run r = exec("status", "--help");
        assertTrue(r.out().contains("3  the agent is not running"), r.out());
    }
}
