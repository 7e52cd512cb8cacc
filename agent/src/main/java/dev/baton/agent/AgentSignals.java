package dev.baton.agent;

import dev.baton.process.os.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The agent's signal handling, as operators and container runtimes expect: TERM and INT stop
 * everything in order, HUP reloads the config, USR1 and USR2 are forwarded to every program.
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
        handle("USR2", s -> agent.forward(Signals.SIGUSR2));
    }

    private static void handle(String name, sun.misc.SignalHandler handler) {
        try {
            Signal.handle(new Signal(name), handler);
        } catch (IllegalArgumentException e) {
            // The JVM reserves some signals on some platforms (e.g. USR2 for thread suspension).
            log.debug("cannot handle SIG{}: {}", name, e.getMessage());
        }
    }
}
