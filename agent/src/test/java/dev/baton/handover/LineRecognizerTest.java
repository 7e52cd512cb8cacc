package dev.baton.handover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.baton.handover.ChainflipLines.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineRecognizerTest {

    private static final LineRecognizer CHAINFLIP = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());
    private static final LineRecognizer COSMOS = new LineRecognizer(ProfileReader.builtIn("cosmos").orElseThrow());
    private static final String ANSI_RED = "\u001b[31m";
    private static final String ANSI_RESET = "\u001b[0m";

    private static Version v(String s) {
        return Version.parse(s);
    }

    private static void assertRecognised(String line, EventKind kind, String own, String release) {
        Recognition r = CHAINFLIP.recognize(line);
        assertNotNull(r, () -> "not recognised: " + line);
        assertEquals(kind, r.kind(), line);
        assertEquals(own == null ? null : v(own), r.own(), line);
        assertEquals(release == null ? null : v(release), r.release(), line);
    }

    @Test
    void theGuidesWaitingLine() {
        Recognition r = CHAINFLIP.recognize(GUIDE_WAITING);
        assertEquals(new Recognition(EventKind.WAITING, v("1.1.0"), v("1.0.0"),
                "This version '1.1.0' is incompatible with the current release '1.0.0' at block: 0x4d66…fb38. "
                        + "WAITING for a compatible release version."), r);
    }

    @Test
    void everyRealMessage() {
        assertRecognised(waiting("1.0.3", "1.1.0"), EventKind.WAITING, "1.0.3", "1.1.0");
        assertRecognised(waitingWithBlockNumber("1.2.0", "1.1.4"), EventKind.WAITING, "1.2.0", "1.1.4");
        assertRecognised(incompatibleNoWait("1.1.0", "1.0.0"), EventKind.WAITING, "1.1.0", "1.0.0");
        assertRecognised(noLongerCompatible("1.0.3", "1.1.0"), EventKind.NO_LONGER_COMPATIBLE, "1.0.3", "1.1.0");
        assertRecognised(exitingAfterUpgrade("1.0.3", "1.1.0"), EventKind.NO_LONGER_COMPATIBLE, "1.0.3", "1.1.0");
        assertRecognised(INITIALISED, EventKind.ACTIVE, null, null);
        assertRecognised(SYNCING, EventKind.SYNCING, null, null);
        assertRecognised(starting("1.1.0"), EventKind.STARTED, "1.1.0", null);
        assertRecognised(EXITING_PANIC, EventKind.EXITING, null, null);
        assertRecognised("Exiting chainflip-engine due to error: Failed to connect to ws://localhost:9944", EventKind.EXITING, null, null);
        assertRecognised(RUNNER_RUNNING_OLD, EventKind.STARTED, "1.4.2", null);
        assertEquals(v("1.5.0"), CHAINFLIP.recognize(RUNNER_RUNNING_OLD).next());
        assertRecognised(RUNNER_SWITCHING, EventKind.STARTED, "1.5.0", null);
        assertRecognised(RUNNER_UPDATE_CFE, EventKind.DO_NOT_RESTART, null, null);
    }

    /** The runner's bail lines (stderr, "Error: " first) and its info lines, which decide nothing. */
    @Test
    void theRunnersBailLines() {
        String settings = "ExitStatus { status_code: -3, at_block: 0 }";
        String panic = "ExitStatus { status_code: -1, at_block: 0 }";
        assertRecognised("Error: " + RUNNER_UPDATE_CFE, EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("Error: An error has occurred running the new version on first run with exit status: " + settings,
                EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("Error: An error has occurred running the old version with exit status: " + settings, EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("Error: New version has exited with exit status: " + settings, EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("engine-runner: error while loading shared libraries: libchainflip_engine_v1_5_0.so: cannot open shared"
                + " object file: No such file or directory", EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("Error: An error has occurred running the new version on first run with exit status: " + panic,
                EventKind.EXITING, null, null);
        assertRecognised("Error: An error has occurred running the old version with exit status: ExitStatus { status_code: -2, at_block: 0 }",
                EventKind.EXITING, null, null);
        assertRecognised("Error: New version has exited with exit status: ExitStatus { status_code: 0, at_block: 5120 }",
                EventKind.EXITING, null, null);
        assertNull(CHAINFLIP.recognize("The new version has exited with exit status: " + settings));
        assertNull(CHAINFLIP.recognize("Old version has exited with exit status: ExitStatus { status_code: 1, at_block: 5120 }"));
        assertNull(CHAINFLIP.recognize("error while loading shared libraries: libssl.so.3: cannot open shared object file"));
    }

    @Test
    void plainLinesAndPrefixes() {
        assertRecognised(waitingMessage("1.1.0", "1.0.0"), EventKind.WAITING, "1.1.0", "1.0.0");
        assertRecognised("Dec 11 16:26:38 host chainflip-engine1.1[812]: " + waitingMessage("1.1.0", "1.0.0"),
                EventKind.WAITING, "1.1.0", "1.0.0");
    }

    @Test
    void crlfRemnantsAnsiColoursAndWhitespace() {
        assertRecognised(GUIDE_WAITING + "\r", EventKind.WAITING, "1.1.0", "1.0.0");
        assertRecognised(starting("1.1.0") + "\r", EventKind.STARTED, "1.1.0", null);
        assertRecognised("  \t" + noLongerCompatible("1.0.3", "1.1.0"), EventKind.NO_LONGER_COMPATIBLE, "1.0.3", "1.1.0");
        // tracing's pretty output colours level and target; the message itself stays contiguous
        assertRecognised(ANSI_RED + "ERROR" + ANSI_RESET + " chainflip_engine: " + noLongerCompatibleMessage("1.0.3", "1.1.0") + ANSI_RESET,
                EventKind.NO_LONGER_COMPATIBLE, "1.0.3", "1.1.0");
        assertRecognised("This version '" + ANSI_RED + "1.1.0" + ANSI_RESET + "' is incompatible with the current release '1.0.0' at block: 0x1",
                EventKind.WAITING, "1.1.0", "1.0.0");
    }

    @Test
    void malformedJsonFallsBackToTheRawLine() {
        String cut = GUIDE_WAITING.substring(0, GUIDE_WAITING.indexOf("version.\"") + 8); // cut at the length limit
        assertRecognised(cut, EventKind.WAITING, "1.1.0", "1.0.0");
        String broken = "{\"level\":\"INFO\",\"fields\":{\"message\" " + waitingMessage("1.1.0", "1.0.0") + "}}";
        assertRecognised(broken, EventKind.WAITING, "1.1.0", "1.0.0");
        String jsonWithoutMessage = "{\"level\":\"INFO\",\"note\":\"" + waitingMessage("1.1.0", "1.0.0") + "\"}";
        assertRecognised(jsonWithoutMessage, EventKind.WAITING, "1.1.0", "1.0.0");
        String flattened = "{\"level\":\"INFO\",\"message\":\"" + waitingMessage("1.2.0", "1.1.0") + "\"}";
        assertRecognised(flattened, EventKind.WAITING, "1.2.0", "1.1.0");
    }

    @Test
    void deepNestingIsRefusedAndTheRawLineUsed() {
        String deep = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
        String line = "{\"x\":" + deep + ",\"fields\":{\"message\":\"" + waitingMessage("1.1.0", "1.0.0") + "\"}}";
        assertRecognised(line, EventKind.WAITING, "1.1.0", "1.0.0");
        assertNull(CHAINFLIP.recognize("{\"fields\":" + "[".repeat(100_000) + " is incompatible with the current release "));
    }

    @Test
    void theMessageFieldDecidesForJsonLines() {
        // The literal is there, but in another field than the message: the JSON message does not match.
        String line = "{\"fields\":{\"message\":\"Processing block 9\",\"note\":\"Initialised StateChainClient at block\"}}";
        assertNull(CHAINFLIP.recognize(line));
    }

    /**
     * An engine echoes words of others (an RPC node's error, a peer's message) inside its own messages:
     * a rule's words quoted there are not the engine speaking. Before, one such line of the active engine
     * ("no longer compatible ... '1.1.0'") idled it while its successor still waited for that release.
     */
    @Test
    void ruleWordsQuotedInsideAnotherMessageAreNotRecognised() {
        List<String> said = List.of(noLongerCompatibleMessage("1.0.3", "1.1.0"), waitingMessage("1.0.3", "1.1.0"),
                "Initialised StateChainClient at block `1`", "Waiting for Chainflip node to sync. Checking again in 6s ...",
                starting("1.0.4"), RUNNER_SWITCHING, RUNNER_UPDATE_CFE);
        for (String words : said) {
            assertNotNull(CHAINFLIP.recognize(json("INFO", words)), words); // said by the engine itself
            String quoted = "RPC request failed: node answered \"" + words + "\"";
            assertNull(CHAINFLIP.recognize(json("WARN", quoted)), quoted);
            assertNull(CHAINFLIP.recognize("{\"level\":\"WARN\",\"message\":\"peer said: " + words.replace("\"", "\\\"")), "cut: " + quoted);
        }
        // A line cut at max_line_bytes keeps its message start: the engine's own words are still read
        String nlc = noLongerCompatible("1.0.3", "1.1.0");
        assertRecognised(nlc.substring(0, nlc.indexOf("at block") + 10), EventKind.NO_LONGER_COMPATIBLE, "1.0.3", "1.1.0");
    }

    @Test
    void versionsThatDoNotParseAreNull() {
        Recognition r = CHAINFLIP.recognize(waiting("garbled", "1.1.0"));
        assertEquals(EventKind.WAITING, r.kind());
        assertNull(r.own());
        assertEquals(v("1.1.0"), r.release());
        assertNull(CHAINFLIP.recognize(waiting("1.1.0", "")).release());
    }

    @Test
    void noiseIsNotRecognised() {
        for (String line : NOISE) {
            assertNull(CHAINFLIP.recognize(line), line);
        }
        assertNull(CHAINFLIP.recognize(""));
        assertNull(CHAINFLIP.recognize("x"));
        assertNull(CHAINFLIP.recognize("incompatible with the current"));
        assertNull(CHAINFLIP.recognize("This version is incompatible with the current release, sorry"));
    }

    @Test
    void respectsOffsetAndLength() {
        byte[] line = GUIDE_WAITING.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[line.length + 20];
        System.arraycopy(line, 0, buf, 10, line.length);
        assertEquals(EventKind.WAITING, CHAINFLIP.recognize(buf, 10, line.length).kind());
        assertNull(CHAINFLIP.recognize(buf, 10, 40));
        assertNull(CHAINFLIP.recognize(buf, -1, 5));
        assertNull(CHAINFLIP.recognize(buf, 10, buf.length));
        assertNull(CHAINFLIP.recognize(null, 0, 0));
    }

    @Test
    void literalsAreFoundWhereverTheyAre() {
        // The pre-filter must find a literal at the very start, the very end, and after near-misses.
        String lit = "You need to update your CFE";
        assertRecognised(lit, EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("xx" + lit, EventKind.DO_NOT_RESTART, null, null);
        assertRecognised("You need to update your CF You need to update your CFE", EventKind.DO_NOT_RESTART, null, null);
        assertTrue(CHAINFLIP.recognize("You need to update your CF") == null);
    }

    /**
     * x/upgrade prints the plan's name between quotes as it is ("UPGRADE \"%s\" NEEDED"), and a plan
     * name may hold a quote itself; a JSON line cut at max_line_bytes is read raw, its quotes escaped.
     * Every one is the halt (not read, the node would be restarted into the same halt).
     */
    @Test
    void cosmosHaltWithAQuoteInTheNameOrJsonEscapedRaw() {
        for (String line : new String[] {
                "ERR UPGRADE \"v18 \"final\"\" NEEDED at height: 15: module=x/upgrade",
                "{\"level\":\"error\",\"message\":\"UPGRADE \\\"v18\\\" NEEDED at height: 15: {\\\"binaries\\\":{\\\"linux/amd64\\\":\\\"https://x",
                "ERR UPGRADE \"v18\" NEEDED at height: 15: "}) {
            Recognition r = COSMOS.recognize(line);
            assertNotNull(r, line);
            assertEquals(EventKind.UPGRADE_NEEDED, r.kind(), line);
        }
        assertNull(COSMOS.recognize("INF UPGRADE \"v18\" SKIPPED at 15: module=x/upgrade"));
    }

    /**
     * The halt as nodes print it (zerolog's console line with its time and level, coloured or not; Go's
     * panic; the pre-0.40 logger; a plan due at a time, SDK <= 0.43) is the halt; the same words
     * further on in a line are the node quoting someone's text (a memo, a proposal) and are not.
     */
    @Test
    void cosmosHaltOnlyAtTheStartOfTheNodesOwnMessage() {
        for (String line : new String[] {
                "3:04PM ERR UPGRADE \"v18\" NEEDED at height: 15: {\"binaries\":{}} module=x/upgrade",
                "\u001b[90m3:04PM\u001b[0m \u001b[31mERR\u001b[0m \u001b[1mUPGRADE \"v18\" NEEDED at height: 15: \u001b[0m \u001b[36mmodule=\u001b[0mx/upgrade",
                "panic: UPGRADE \"v18\" NEEDED at height: 15: {\"binaries\":{}}",
                "E[2020-08-12|12:00:00.000] UPGRADE \"v18\" NEEDED at height: 15: info module=main",
                "UPGRADE \"v18\" NEEDED at height: 15: ",
                "2:00PM ERR UPGRADE \"v18\" NEEDED at time: 2021-06-01T00:00:00Z: info module=x/upgrade"}) {
            Recognition r = COSMOS.recognize(line);
            assertNotNull(r, line);
            assertEquals(EventKind.UPGRADE_NEEDED, r.kind(), line);
        }
        for (String line : new String[] {
                "3:04PM INF indexed tx hash=9A1F memo=\"UPGRADE \\\"v2\\\" NEEDED at height: 1\" module=txindex",
                "3:04PM INF proposal text: UPGRADE \"v2\" NEEDED at height: 1: {} module=x/gov",
                "3:04PM ERR failed to execute message: UPGRADE \"v2\" NEEDED at height: 1 module=baseapp",
                "{\"level\":\"info\",\"memo\":\"UPGRADE \\\"v2\\\" NEEDED at height: 1\",\"message\":\"indexed tx\"}",
                "3:04PM ERR failed error=\"BINARY UPDATED BEFORE TRIGGER! UPGRADE \\\"v2\\\"\" module=baseapp"}) {
            assertNull(COSMOS.recognize(line), line);
        }
        Recognition early = COSMOS.recognize("3:04PM ERR BINARY UPDATED BEFORE TRIGGER! UPGRADE \"v2\" - in binary but not executed on chain. Downgrade your binary module=x/upgrade");
        assertNotNull(early);
        assertEquals(EventKind.DO_NOT_RESTART, early.kind());
    }
}
