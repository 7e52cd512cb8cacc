package dev.baton.hardening;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.baton.handover.LineRecognizer;
import dev.baton.handover.ProfileReader;
import dev.baton.handover.Recognition;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of the Chainflip recognizer: any bytes, no exception, and
 * an event only from a line that holds the text of one of the profile's rules. Regression mode
 * (the seeds under src/test/resources) by default; mvn -Psoak fuzzes for the duration below.
 */
class RecognizerFuzzerTest {
    private static final LineRecognizer CHAINFLIP = new LineRecognizer(ProfileReader.builtIn("chainflip").orElseThrow());
    private static final String[] LITERALS = {"You need to update your CFE", "is no longer compatible with the release version",
        "is incompatible with the current release", "is not yet compatible. Running the old version", "Switching to the new version",
        "Initialised StateChainClient at block", "Waiting for Chainflip node to sync", "Starting chainflip-engine v",
        "Exiting chainflip-engine due to"};

    @FuzzTest(maxDuration = "5m")
    void recognize(FuzzedDataProvider data) {
        byte[] line = data.consumeRemainingAsBytes();
        Recognition r = CHAINFLIP.recognize(line, 0, line.length);
        if (r != null) {
            String text = new String(line, StandardCharsets.UTF_8).replace("\\\"", "\"");
            boolean hasLiteral = false;
            for (String l : LITERALS) {
                hasLiteral |= text.contains(l);
            }
            assertTrue(hasLiteral, "an event from a line without any rule's text: " + r);
        }
    }
}
