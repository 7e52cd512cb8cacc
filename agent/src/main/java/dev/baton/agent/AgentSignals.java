package dev.baton.agent;

import dev.baton.process.os.Os;
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

    /**
     * Installs the handlers. Returns why the agent must not run, else null: without its own SIGTERM
     * handler, {@code docker stop} and {@code systemctl stop} never stop the programs in order (as
     * PID 1 the kernel drops the signal, so the stop waits out the grace period and ends in SIGKILL;
     * elsewhere the JVM dies at once and leaves the programs behind).
     */
    static String install(Agent agent) {
        String term = handle("TERM", s -> {
            log.info("SIGTERM received");
            agent.shutdown(-1);
        });
        handle("INT", s -> {
            log.info("SIGINT received");
            agent.shutdown(-1);
        });
        Os.takeBackHangupAfterReexec();
        handle("HUP", s -> {
            log.info("SIGHUP received: reloading the configuration");
            agent.reload();
        });
        handle("USR1", s -> agent.forward(Signals.SIGUSR1));
        // Not USR2: HotSpot suspends threads with it (JFR's sampler, profilers); a handler here would
        // take it from the JVM and forward every sample to the programs. `baton signal USR2 all` does.
        return term == null ? null : "SIGTERM " + term + ": docker stop and systemctl stop could not stop the programs"
                + " in order";
    }

    /** Installs one handler; returns why it does not take effect, else null. */
    private static String handle(String name, sun.misc.SignalHandler handler) {
        try {
            if (Signal.handle(new Signal(name), handler) == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps a signal ignored when it was ignored at launch (nohup ignores HUP).
                log.warn("SIG{} was ignored when baton started (nohup?) and stays ignored{}", name,
                        name.equals("HUP") ? ": reload with `baton reload` instead" : "");
                return "was ignored when baton started and stays ignored";
            }
            return null;
        } catch (IllegalArgumentException e) {
            // The JVM keeps TERM, INT and HUP to itself under -Xrs ("Signal already used by VM or OS").
            log.warn("cannot handle SIG{}: {}", name, e.getMessage());
            return "is kept by the JVM (" + e.getMessage() + "; started with -Xrs? remove it from BATON_JAVA_OPTS)";
        }
    }
}
