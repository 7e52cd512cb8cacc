package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.state.ProgramsState;
import dev.baton.agent.state.StateFile;
import dev.baton.handover.GroupSnapshot;
import dev.baton.handover.HandoverEvent;
import dev.baton.handover.Role;
import dev.baton.handover.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming serializers write what databind wrote, and what is written reads back the same. */
class StateJsonTest {
    @TempDir
    Path dir;

    private static final Instant T = Instant.parse("2026-11-21T20:41:38.737265684Z");

    private static HandoverEvent event(int i, String program) {
        return new HandoverEvent(T.plusSeconds(i), "g0", HandoverEvent.Kind.values()[i % HandoverEvent.Kind.values().length],
                program, i % 3 == 0 ? null : Version.parse("1." + i + ".0"), Version.parse("1.2.0-rc.1+b7"),
                "g0: \"quoted\" \\ line\n with ünïcode " + i);
    }

    private static GroupSnapshot group(String name, List<HandoverEvent> history) {
        return group(name, history, null);
    }

    private static GroupSnapshot group(String name, List<HandoverEvent> history, GroupSnapshot.PendingSteps steps) {
        return new GroupSnapshot(GroupSnapshot.FORMAT, name, Version.parse("1.2.0"), null, T, null, List.of(
                new GroupSnapshot.EngineSnapshot("cfe10", Version.parse("1.1.0"), null, Role.IDLE, T, T, null),
                new GroupSnapshot.EngineSnapshot("cfe12", Version.parse("1.2.0"), Version.parse("1.2.0"), Role.ACTIVE, T,
                        null, "a \"problem\"")), history, steps);
    }

    private <T> JsonNode writtenBy(StateFile<T> file, T value) throws Exception {
        file.save(value, false);
        return StateFile.JSON.readTree(Files.readAllBytes(file.path()));
    }

    @Test
    void programsJsonIsWhatDatabindWrote() throws Exception {
        Map<String, ProgramsState.Entry> entries = new TreeMap<>();
        entries.put("a", new ProgramsState.Entry("stopped", 0, 0, null));
        entries.put("b", new ProgramsState.Entry(null, 4242, 1187268L << 20, "0123456789abcdef.b.7"));
        ProgramsState state = new ProgramsState(ProgramsState.VERSION, entries);

        JsonNode streamed = writtenBy(new StateFile<>(dir, "s.json", ProgramsState.class, StateJson::programs), state);
        assertEquals(writtenBy(new StateFile<>(dir, "d.json", ProgramsState.class), state), streamed);
        assertEquals(state, new StateFile<>(dir, "s.json", ProgramsState.class).load().orElseThrow());
    }

    @Test
    void handoverJsonIsWhatDatabindWroteAlsoWhenEventsAreReused() throws Exception {
        StateJson.Handover serializer = new StateJson.Handover();
        StateFile<HandoverCoordinator.HandoverState> streamedFile =
                new StateFile<>(dir, "s.json", HandoverCoordinator.HandoverState.class, serializer);
        StateFile<HandoverCoordinator.HandoverState> databindFile =
                new StateFile<>(dir, "d.json", HandoverCoordinator.HandoverState.class);
        List<HandoverEvent> history = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // the same event objects in later snapshots, some dropped
            for (int i = 0; i < 5; i++) {
                history.add(event(round * 5 + i, i == 2 ? null : "cfe1" + i));
            }
            if (round == 2) {
                history.subList(0, 4).clear();
            }
            Map<String, GroupSnapshot> groups = new TreeMap<>();
            groups.put("g0", group("g0", history));
            groups.put("g1", group("g1", List.of(), new GroupSnapshot.PendingSteps("cfe12", "UPGRADE \"v18\" NEEDED", round == 1)));
            HandoverCoordinator.HandoverState state = new HandoverCoordinator.HandoverState(1, groups);

            assertEquals(writtenBy(databindFile, state), writtenBy(streamedFile, state), "round " + round);
            assertEquals(state, new StateFile<>(dir, "s.json", HandoverCoordinator.HandoverState.class).load().orElseThrow());
        }
    }
}
