package dev.baton.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.handover.HandoverModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The upgrade models' example hosts under examples/ load, with the group each promises. */
class ExamplesTest {
    private static BatonConfig load(String example) throws ConfigException {
        return ConfigLoader.load(Path.of("..", "examples", example, "baton.toml"));
    }

    @Test
    void cosmosIsOneSequentialGroupOfTwoVersions() throws ConfigException {
        EngineGroupConfig gaia = load("cosmos").groups().get("gaia");
        assertEquals(HandoverModel.SEQUENTIAL, gaia.profile().handover());
        assertEquals(List.of("gaiad-v17", "gaiad-v18"), gaia.programs());
    }

    @Test
    void theChainflipRunnerIsOneEngineBesideItsNode() throws ConfigException {
        BatonConfig config = load("chainflip-runner");
        assertEquals(HandoverModel.SIDE_BY_SIDE, config.groups().get("chainflip").profile().handover());
        assertEquals(List.of("chainflip-engine"), config.groups().get("chainflip").programs());
        assertEquals(List.of("chainflip-engine", "chainflip-node"), List.copyOf(new java.util.TreeSet<>(config.programs().keySet())));
    }
}
