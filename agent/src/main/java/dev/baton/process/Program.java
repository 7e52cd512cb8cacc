package dev.baton.process;

import dev.baton.config.ProgramConfig;
import dev.baton.config.RestartPolicy;
import dev.baton.process.os.ExitStatus;
import dev.baton.process.os.Signals;
import dev.baton.process.os.SpawnException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised program and its state machine (supervisord's states). Confined to the event
 * loop: no locks, every method runs there.
 *
 * <pre>
 * STOPPED/EXITED/FATAL --start--> STARTING --start_secs--> RUNNING
 * STARTING --exit--> BACKOFF --delay--> STARTING   (or FATAL when start_retries are used up)
 * RUNNING  --exit--> BACKOFF (policy says restart) | EXITED
 * STARTING/RUNNING --stop--> STOPPING --group gone--> STOPPED   (SIGKILL after stop_timeout)
 * </pre>
 */
public final class Program {
    private static final Logger log = LoggerFactory.getLogger(Program.class);
    /** How often a stop checks whether the last process of the group is gone. */
    private static final Duration STOP_POLL = Duration.ofMillis(25);
    /** Processes that outlive SIGKILL this long (uninterruptible sleep) are reported, not waited for. */
    private static final Duration AFTER_KILL_LIMIT = Duration.ofSeconds(5);

    private final ProgramHost host;
    private ProgramConfig config;

    private ProcessState state = ProcessState.STOPPED;
    private Instant stateSince;
    private Instance instance;
    private ExitStatus lastExit;
    private Instant lastExitAt;
    private String lastError;
    private int restarts;
    private int failedStarts;
    private int backoffAttempt;
    private String hold;
    private EventLoop.Timer timer;
    private long killSentNanos;
    private boolean mainAlive;
    private boolean gonePollPending;
    private boolean killedOnStop;
    private final List<Runnable> whenStopped = new ArrayList<>();

    public Program(ProgramConfig config, ProgramHost host) {
        this.config = config;
        this.host = host;
        this.stateSince = host.now();
    }

    public String name() {
        return config.name();
    }

    public ProgramConfig config() {
        return config;
    }

    /** A new config for the same program; takes effect at the next start (reload restarts changed programs). */
    public void reconfigure(ProgramConfig newConfig) {
        this.config = newConfig;
    }

    public ProcessState state() {
        return state;
    }

    public Instance instance() {
        return instance;
    }

    /** Why automatic restarts are held (handover idle, do-not-restart), or null. */
    public String hold() {
        return hold;
    }

    /** True when the last stop needed SIGKILL. */
    public boolean killedOnStop() {
        return killedOnStop;
    }

    public ExitStatus lastExit() {
        return lastExit;
    }

    // ---- commands ---------------------------------------------------------------------------

    /** Start now (an operator or the agent asks). Clears a hold and the failure counters. */
    public void start() {
        if (state.hasProcess() || host.stoppingAll()) {
            return;
        }
        cancelTimer();
        hold = null;
        failedStarts = 0;
        backoffAttempt = 0;
        spawn();
    }

    /**
     * Takes over an instance that runs already (spawned by this agent's previous program, before it
     * re-executed itself in place): RUNNING at once, nothing is spawned. Only from STOPPED, at the start.
     */
    public void adopt(Instance running) {
        if (state != ProcessState.STOPPED) {
            throw new IllegalStateException(name() + " is " + state + ", not STOPPED: cannot adopt pid " + running.pid());
        }
        instance = running;
        mainAlive = true;
        lastError = null;
        setState(ProcessState.RUNNING);
    }

    /**
     * After a re-exec, before anything starts: what the previous version showed of this program. One
     * that had ended (EXITED, FATAL) and was not adopted takes that state back; one adopted keeps
     * RUNNING. {@code since} is kept when the state is the one shown. Nobody is told: nothing changed.
     */
    public void restore(ProcessState shown, Instant since, ExitStatus exit, Instant exitAt, String error) {
        if (state == ProcessState.STOPPED && (shown == ProcessState.EXITED || shown == ProcessState.FATAL)) {
            state = shown;
        }
        if (state == shown && since != null) {
            stateSince = since;
        }
        lastExit = exit;
        lastExitAt = exitAt;
        lastError = error;
    }

    /**
     * Stop: the stop signal to the whole group, SIGKILL after the stop timeout, done when no
     * process of the group (or a tagged descendant) is left. {@code done} runs then.
     */
    public void stop(Runnable done) {
        if (done != null) {
            whenStopped.add(done);
        }
        switch (state) {
            case STARTING, RUNNING -> beginStop();
            case STOPPING -> { }
            case BACKOFF -> {
                cancelTimer();
                setState(ProcessState.STOPPED);
                runStopCallbacks();
            }
            default -> runStopCallbacks();
        }
    }

    /** Stop and keep automatic restarts off until an explicit start (handover idle, do-not-restart). */
    public void holdAndStop(String reason, Runnable done) {
        hold = reason;
        stop(done);
    }

    /** Keep automatic restarts off without stopping (the process may still be running; a pending restart is called off). */
    public void setHold(String reason) {
        hold = reason;
    }

    /** Sends a signal to the program's process group. */
    public boolean signal(int signal) {
        if (instance == null || !state.hasProcess()) {
            return false;
        }
        host.signalAll(instance, signal);
        return true;
    }

    /** Give up for good (used when the program is removed from the config while stopped). */
    public void markFatal(String reason) {
        cancelTimer();
        lastError = reason;
        setState(ProcessState.FATAL);
    }

    // ---- events -------------------------------------------------------------------------------

    /** The main process of the current instance exited. */
    public void onExit(ExitStatus status) {
        mainAlive = false;
        lastExit = status;
        lastExitAt = host.now();
        if ((state == ProcessState.STARTING || state == ProcessState.RUNNING) && mustNotRestart(status)) {
            return;
        }
        switch (state) {
            case STOPPING -> awaitGroupGone();
            case STARTING -> {
                cancelTimer();
                killLeftovers();
                failedStart("exited too quickly (" + status + ")");
            }
            case RUNNING -> {
                killLeftovers();
                exitedWhileRunning(status);
            }
            default -> log.warn("{}: exit {} in state {} ignored", name(), status, state);
        }
    }

    // ---- internals ----------------------------------------------------------------------------

    /**
     * An exit code in no_restart_exit_codes ends the program here, from STARTING or RUNNING, whatever
     * the restart policy: EXITED when the code also counts as expected, else FATAL (systemd's
     * RestartPreventExitStatus= leaves the unit "failed" then).
     */
    private boolean mustNotRestart(ExitStatus status) {
        if (status.bySignal() || !config.noRestartExitCodes().contains(status.code())) {
            return false;
        }
        cancelTimer();
        killLeftovers();
        lastError = "exited with " + status.code() + ", which no_restart_exit_codes says must not be restarted";
        if (config.exitCodes().contains(status.code())) {
            log.info("{}: {}", name(), lastError);
            setState(ProcessState.EXITED);
        } else {
            log.error("{}: FATAL: {}", name(), lastError);
            setState(ProcessState.FATAL);
        }
        return true;
    }

    private void spawn() {
        if (host.stoppingAll()) { // a start that waited for the previous instance's leftovers: the shutdown came first
            setState(ProcessState.STOPPED);
            return;
        }
        if (instance != null && !host.liveProcesses(instance).isEmpty()) {
            // Never two copies: what is left of the previous instance goes first.
            host.signalAll(instance, Signals.SIGKILL);
            setState(ProcessState.BACKOFF);
            timer = host.schedule(STOP_POLL, this::spawn);
            return;
        }
        try {
            instance = host.launch(this);
            mainAlive = true;
            lastError = null;
            setState(ProcessState.STARTING);
            Duration startSecs = config.startSecs();
            if (startSecs.isZero()) {
                becameRunning();
            } else {
                timer = host.schedule(startSecs, this::becameRunning);
            }
        } catch (SpawnException e) {
            lastExit = null;
            failedStart(e.getMessage());
        }
    }

    private void becameRunning() {
        if (state != ProcessState.STARTING) {
            return;
        }
        if (!config.startSecs().isZero() && !host.mainAlive(instance)) {
            // It did not stay up start_secs: its exit, judged once its output ended (a daemonized child may hold
            // the pipes for a while), is a failed start, as supervisord's "exited too quickly". With start_secs = 0
            // a program is RUNNING as soon as it was spawned, as under supervisord's startsecs=0.
            return;
        }
        failedStarts = 0;
        setState(ProcessState.RUNNING);
    }

    private void failedStart(String why) {
        lastError = why;
        failedStarts++;
        int retries = config.startRetries();
        if (restartsHeld()) {
            setState(ProcessState.STOPPED);
        } else if (retries != ProgramConfig.RETRY_FOREVER && failedStarts > retries) {
            lastError = why + "; gave up after " + failedStarts + " failed start" + (failedStarts == 1 ? "" : "s")
                    + " (start_retries = " + retries + ")";
            log.error("{}: FATAL: {}", name(), lastError);
            setState(ProcessState.FATAL);
        } else {
            scheduleRestart();
        }
    }

    private void exitedWhileRunning(ExitStatus status) {
        boolean expected = !status.bySignal() && config.exitCodes().contains(status.code());
        RestartPolicy policy = config.restart();
        boolean restart = !restartsHeld()
                && (policy == RestartPolicy.ALWAYS || (policy == RestartPolicy.ON_FAILURE && !expected));
        long upNanos = host.nanoTime() - instance.startedNanos();
        if (upNanos >= config.backoff().resetAfter().toNanos()) {
            backoffAttempt = 0;
        }
        if (restart) {
            scheduleRestart();
        } else {
            setState(ProcessState.EXITED);
        }
    }

    private void scheduleRestart() {
        Duration delay = host.restartDelay(this, backoffAttempt++);
        setState(ProcessState.BACKOFF);
        timer = host.schedule(delay, () -> {
            if (state != ProcessState.BACKOFF) {
                return;
            }
            if (restartsHeld()) { // held since the exit (a handover's idle, a do-not-restart line, the shutdown)
                setState(ProcessState.STOPPED);
                return;
            }
            restarts++;
            spawn();
        });
    }

    /**
     * No automatic restart now: a hold (handover idle, do-not-restart), or the agent stops everything
     * (as supervisord, which starts nothing once it is shutting down).
     */
    private boolean restartsHeld() {
        return hold != null || host.stoppingAll();
    }

    private void beginStop() {
        cancelTimer();
        killedOnStop = false;
        // The signal first: listeners and persistence run after it, never between a decision and its effect
        host.signalAll(instance, config.stopSignal());
        setState(ProcessState.STOPPING);
        timer = host.schedule(config.stopTimeout(), this::escalateToKill);
    }

    private void escalateToKill() {
        if (state != ProcessState.STOPPING) {
            return;
        }
        List<Integer> left = host.liveProcesses(instance);
        if (!left.isEmpty()) {
            log.warn("{}: still running {} after stop_timeout {}: sending SIGKILL to {}", name(), left,
                    config.stopTimeout(), left);
            killedOnStop = true;
            killSentNanos = host.nanoTime();
            host.signalAll(instance, Signals.SIGKILL);
        }
        awaitGroupGone();
    }

    /** Polls until no process of the instance is left (bounded by the stop timeout, then the kill limit). */
    private void awaitGroupGone() {
        if (state != ProcessState.STOPPING) {
            return;
        }
        List<Integer> left = host.liveProcesses(instance);
        boolean mainGone = !mainAlive;
        if (left.isEmpty() && mainGone) {
            finishStop();
        } else if (killSentNanos != 0 && host.nanoTime() - killSentNanos > AFTER_KILL_LIMIT.toNanos()) {
            lastError = "processes " + left + " survived SIGKILL (uninterruptible sleep?)";
            log.error("{}: {}", name(), lastError);
            finishStop();
        } else if ((left.isEmpty() || mainGone) && !gonePollPending) {
            // Either the leftovers are gone but the reaper has not reported the main exit yet, or
            // the main process exited and descendants are still winding down: check again soon.
            // The kill timer stays armed, so this ends by stop_timeout at the latest.
            gonePollPending = true;
            host.checkSoon(STOP_POLL, () -> {
                gonePollPending = false;
                awaitGroupGone();
            });
        }
        // else: main still running; its exit (or the kill timer) calls us again.
    }

    private void finishStop() {
        cancelTimer();
        killSentNanos = 0;
        setState(ProcessState.STOPPED);
        runStopCallbacks();
    }

    /** After an unexpected exit nothing of the old instance may survive into the next one. */
    private void killLeftovers() {
        List<Integer> left = host.liveProcesses(instance);
        if (!left.isEmpty()) {
            log.warn("{}: main process exited, killing its leftover processes {}", name(), left);
            host.signalAll(instance, Signals.SIGKILL);
        }
    }

    private void runStopCallbacks() {
        List<Runnable> callbacks = new ArrayList<>(whenStopped);
        whenStopped.clear();
        callbacks.forEach(Runnable::run);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void setState(ProcessState next) {
        ProcessState from = state;
        state = next;
        stateSince = host.now();
        host.stateChanged(this, from);
    }

    /** An immutable view for readers on other threads. */
    public ProgramStatus status() {
        boolean alive = state.hasProcess() && instance != null;
        return new ProgramStatus(name(), state, stateSince, alive ? instance.pid() : 0,
                alive ? instance.startedAt() : null, alive ? instance.startedNanos() : 0, restarts, lastExit, lastExitAt, lastError, hold,
                config.priority());
    }
}
