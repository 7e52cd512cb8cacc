package dev.baton.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A whole, validated configuration: the main file plus its drop-ins.
 *
 * @param agent    the {@code [agent]} section
 * @param api      the {@code [api]} section
 * @param programs every program by name, in name order
 * @param groups   every engine group the programs use, with its resolved recognition profile
 * @param sources  the files this config was read from, main file first
 * @param cluster  the {@code [cluster]} section with the exclusive programs; null without {@code [cluster]}
 */
public record BatonConfig(AgentSettings agent, ApiSettings api, Map<String, ProgramConfig> programs,
                          Map<String, EngineGroupConfig> groups, List<Path> sources, ClusterConfig cluster) {

    /** A configuration without {@code [cluster]}. */
    public BatonConfig(AgentSettings agent, ApiSettings api, Map<String, ProgramConfig> programs,
                       Map<String, EngineGroupConfig> groups, List<Path> sources) {
        this(agent, api, programs, groups, sources, null);
    }
}
