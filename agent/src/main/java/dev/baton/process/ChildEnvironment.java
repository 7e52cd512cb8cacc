package dev.baton.process;

import dev.baton.config.ProgramConfig;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds a program's exact environment: the agent's own (when inherited) minus what belongs to
 * the agent alone, then the configured variables, then baton's tags.
 */
public final class ChildEnvironment {
    public static final String PROGRAM = "BATON_PROGRAM";
    public static final String AGENT = "BATON_AGENT";
    public static final String INSTANCE = "BATON_INSTANCE";

    /**
     * Never handed to a child: systemd's notify and journal sockets are the agent's (a child
     * writing READY=1 there would speak for baton), socket activation fds are the agent's, and
     * BATON_* variables may carry the agent's token or config.
     */
    private static final Set<String> AGENT_ONLY = Set.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
            "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "INVOCATION_ID");

    private ChildEnvironment() {
    }

    public static Map<String, String> build(ProgramConfig program, Map<String, String> agentEnv, String agentId,
                                            String instanceTag) {
        return build(program, agentEnv, agentId, instanceTag, Map.of());
    }

    /**
     * @param extra set by baton for this one start (the cluster's fencing token): after the configured
     *              variables, so that a config cannot override them
     */
    public static Map<String, String> build(ProgramConfig program, Map<String, String> agentEnv, String agentId,
                                            String instanceTag, Map<String, String> extra) {
        Map<String, String> env = new TreeMap<>();
        if (program.inheritEnvironment()) {
            env.putAll(inherited(agentEnv));
        }
        env.putAll(program.environment());
        env.putAll(extra);
        env.put(PROGRAM, program.name());
        env.put(AGENT, agentId);
        env.put(INSTANCE, instanceTag);
        return env;
    }

    /** What a child may inherit from the agent's environment: everything but the agent's own variables. */
    public static Map<String, String> inherited(Map<String, String> agentEnv) {
        Map<String, String> env = new TreeMap<>();
        agentEnv.forEach((k, v) -> {
            if (!AGENT_ONLY.contains(k) && !k.startsWith("BATON_")) {
                env.put(k, v);
            }
        });
        return env;
    }
}
