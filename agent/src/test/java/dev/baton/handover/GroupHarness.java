package dev.baton.handover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Drives one {@link EngineGroup} with real lines (through a {@link LineRecognizer}) on a fake clock. */
final class GroupHarness {

    static final Profile CHAINFLIP = ProfileReader.builtIn("chainflip").orElseThrow();

    final LineRecognizer recognizer;
    EngineGroup group;
    Instant now = Instant.parse("2024-05-01T10:00:00Z");
    /** Every decision's actions and events, in order. */
    final List<Action> actions = new ArrayList<>();
    final List<HandoverEvent> events = new ArrayList<>();

    GroupHarness(String name) {
        this(name, CHAINFLIP);
    }

    GroupHarness(String name, Profile profile) {
        this.recognizer = new LineRecognizer(profile);
        this.group = new EngineGroup(name, profile.compatibility(), profile.handover());
    }

    /** Group chainflip before every upgrade: {@code old} (1.0.3) active, {@code next} (1.1.0) installed and waiting. */
    static GroupHarness beforeUpgrade(String old, String next) {
        GroupHarness h = new GroupHarness("chainflip");
        h.add(old, "1.0.3");
        h.add(next, "1.1.0");
        h.bringUpActive(old, "1.0.3");
        h.bringUpWaiting(next, "1.1.0", "1.0.0");
        return h;
    }

    Decision add(String program, String declared) {
        return add(program, declared, IdleMode.STOP);
    }

    Decision add(String program, String declared, IdleMode mode) {
        return record(group.onEngineAdded(new EngineSpec(program, declared == null ? null : Version.parse(declared), mode), tick()));
    }

    Decision start(String program) {
        return record(group.onProcessStarted(program, tick()));
    }

    Decision exit(String program) {
        return record(group.onProcessExited(program, tick()));
    }

    Decision stopping(String program) {
        return record(group.onProcessStopping(program, tick()));
    }

    Decision down(String program, ProcessDown why) {
        return record(group.onProcessDown(program, why, tick()));
    }

    Decision line(String program, String line) {
        Recognition r = recognizer.recognize(line);
        assertNotNull(r, () -> "the profile does not recognise: " + line);
        return record(group.onRecognition(program, r, tick()));
    }

    /** Start, start line, and "Initialised": an engine at work. */
    void bringUpActive(String program, String version) {
        start(program);
        line(program, ChainflipLines.starting(version));
        line(program, ChainflipLines.INITIALISED);
    }

    void bringUpWaiting(String program, String version, String release) {
        start(program);
        line(program, ChainflipLines.starting(version));
        line(program, ChainflipLines.waiting(version, release));
    }

    Decision record(Decision d) {
        actions.addAll(d.actions());
        events.addAll(d.events());
        return d;
    }

    List<HandoverEvent.Kind> eventKinds(Decision d) {
        return d.events().stream().map(HandoverEvent::kind).toList();
    }

    private Instant tick() {
        now = now.plus(Duration.ofMillis(250));
        return now;
    }
}
