package dev.baton.handover;

import java.time.Instant;

/** The mutable state of one engine inside its {@link EngineGroup}; only the group changes it. */
final class Engine {
    final String program;
    Version declared;
    /** From the engine's own output; wins over the declared version. */
    Version learned;
    IdleMode mode;
    Role role = Role.UNKNOWN;
    Instant roleSince;
    Instant activeSince;
    Instant idleSince;
    boolean running;
    /** Its process runs but was told to stop (by an operator, a reload, a restart): no successor to hand over to. */
    boolean stopping;
    /** Why the process is not running (null while it runs). */
    ProcessDown down = ProcessDown.NOT_STARTED;
    /** Counts process starts: two reports in two lifetimes are two independent observations. */
    int lifetime;
    /** When this agent started the running process (null for one it adopted after a re-exec). */
    Instant processStartedAt;
    /** The running process was started by this agent and has not been ACTIVE: what it says of the chain is a fresh look. */
    boolean freshProcess;
    /** The lifetime in which the process last named its version (a newer one in the same lifetime is a switch inside it). */
    int versionSaidIn;
    /** A newer version this process carries and will switch to by itself (the 1.4+ runner). */
    Version next;
    /** An error an operator must see (no successor, do-not-restart), else null. */
    String problem;
    /** An operator started it while the handover held it: only its own word supersedes it again. */
    boolean overridden;
    /** What was last said about this engine's supersession, so it is said once per release. */
    String supersessionNotice;
    /** A role its process said (ACTIVE, SYNCING, WAITING), restored from the state file: back if that very process is adopted. */
    Role savedProcessRole;

    Engine(EngineSpec spec) {
        this.program = spec.program();
        this.declared = spec.declaredVersion();
        this.mode = spec.onSuperseded();
    }

    Version version() {
        return learned != null ? learned : declared;
    }

    boolean idleOrError() {
        return role == Role.IDLE || role == Role.ERROR;
    }

    /** "chainflip-engine1.0 (1.0.3)" */
    String label() {
        Version v = version();
        return program + " (" + (v == null ? "version unknown" : v) + ")";
    }
}
