package dev.baton.agent;

import dev.baton.process.os.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The agent's signal handling, as operators and container runtimes expect: TERM and INT stop
 * everything in order, HUP reloads the config, USR1 is forwarded to every program.
 * The JVM runs these handlers on its own thread; each one only posts to the agent.
 */
final class AgentSignals {
    private static final Logger log = LoggerFactory.getLogger(AgentSignals.class);

    private AgentSignals() {
    }

    static void install(Agent agent) {
        handle("TERM", s -> {
            log.info("SIGTERM received");
            agent.shutdown(-1);
        });
        handle("INT", s -> {
            log.info("SIGINT received");
            agent.shutdown(-1);
        });
        handle("HUP", s -> {
            log.info("SIGHUP received: reloading the configuration");
            agent.reload();
        });
        handle("USR1", s -> agent.forward(Signals.SIGUSR1));
        // Not USR2: HotSpot suspends threads with it (JFR's sampler, profilers); a handler here would
        // take it from the JVM and forward every sample to the programs. `baton signal USR2 all` does.
    }

    private static void handle(String name, sun.misc.SignalHandler handler) {
        try {
            if (Signal.handle(new Signal(name), handler) == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps a signal ignored when it was ignored at launch (nohup ignores HUP).
                log.warn("SIG{} was ignored when baton started (nohup?) and stays ignored{}", name,
                        name.equals("HUP") ? ": reload with `baton reload` instead" : "");
            }
        } catch (IllegalArgumentException e) {
            // The JVM reserves some signals on some platforms (e.g. USR2 for thread suspension).
            log.debug("cannot handle SIG{}: {}", name, e.getMessage());
        }
    }
}
