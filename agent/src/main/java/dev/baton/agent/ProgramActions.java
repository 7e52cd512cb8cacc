package dev.baton.agent;

import dev.baton.control.ActionResult;
import dev.baton.control.ControlException;
import dev.baton.process.EventLoop;
import dev.baton.process.ProcessState;
import dev.baton.process.Program;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.Signals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;

/**
 * Operators' start, stop, restart and signal (API, CLI), carried out on the event loop. Each
 * completes when the program got where it was sent or could not, within the program's own limits
 * (start_secs, stop_timeout) plus a margin; nothing here ever blocks the loop.
 */
final class ProgramActions implements Supervisor.Listener {
    static final String ALL = "all";
    private static final Duration START_MARGIN = Duration.ofSeconds(5);
    /** Beyond stop_timeout: the SIGKILL and the wait for the group to be gone. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);

    private final EventLoop loop;
    private final Supervisor supervisor;
    private final BooleanSupplier shuttingDown;
    /** Loop only: actions waiting for a program to reach a state. */
    private final Map<String, List<Waiter>> waiters = new HashMap<>();

    private record Waiter(BiPredicate<ProgramStatus, ProcessState> done, CompletableFuture<ProgramStatus> result) {
    }

    /** What one action did to one program; {@code skipped}: why it was left alone, else null. */
    private record Outcome(boolean ok, ProgramStatus status, String message, String skipped) {
        Outcome(boolean ok, ProgramStatus status, String message) {
            this(ok, status, message, null);
        }
    }

    ProgramActions(EventLoop loop, Supervisor supervisor, BooleanSupplier shuttingDown) {
        this.loop = loop;
        this.supervisor = supervisor;
        this.shuttingDown = shuttingDown;
        supervisor.addListener(this);
    }

    /*
     * Every action first records what the operator wants for all its targets, on disk, in one
     * write (Supervisor.intend): when that fails nothing is done; when the agent is killed half-way
     * the next start finds the intent, never a half-done action to infer one from.
     */

    /** {@code all} leaves the engines a handover holds alone (and says so): only a start by name overrides a hold. */
    CompletableFuture<ActionResult> start(String name) {
        return start(name, false);
    }

    /**
     * @param afterStop the second half of {@code restart all}: a program an operator stopped (or a reload
     *                  removed) while the first half stopped everything stays down, the later command wins
     */
    private CompletableFuture<ActionResult> start(String name, boolean afterStop) {
        return onLoop(() -> {
            Map<Program, String> overtaken = new HashMap<>();
            List<Program> targets = targets(name);
            if (afterStop) {
                targets.forEach(p -> {
                    String why = supervisor.whyNoStartAfterStop(p);
                    if (why != null) {
                        overtaken.put(p, why);
                    }
                });
            }
            supervisor.intend(startable(targets.stream().filter(p -> !overtaken.containsKey(p)).toList()), "running");
            return combine(targets.stream().map(p -> overtaken.containsKey(p) ? skipped(p, overtaken.get(p))
                    : ALL.equals(name) && supervisor.holdReason(p) != null ? held(p) : startOne(p)).toList());
        });
    }

    private static CompletableFuture<Outcome> skipped(Program p, String why) {
        return CompletableFuture.completedFuture(new Outcome(true, p.status(), p.name() + ": skipped, " + why, why));
    }

    /** {@code all} stops by priority levels, highest first, like the agent's own shutdown. */
    CompletableFuture<ActionResult> stop(String name) {
        return onLoop(() -> {
            List<Program> targets = targets(name);
            supervisor.intend(targets, "stopped");
            return stopLevels(targets);
        });
    }

    /** Stops {@code targets} by priority levels, highest first; the intent is recorded already. */
    private CompletableFuture<ActionResult> stopLevels(List<Program> targets) {
        NavigableMap<Integer, List<Program>> levels = new TreeMap<>(Comparator.reverseOrder());
        targets.forEach(p -> levels.computeIfAbsent(p.config().priority(), k -> new ArrayList<>()).add(p));
        CompletableFuture<List<Outcome>> done = CompletableFuture.completedFuture(List.of());
        for (List<Program> level : levels.values()) {
            done = done.thenCompose(before -> all(level.stream().map(this::stopOne).toList())
                    .thenApply(now -> concat(before, now)));
        }
        return done.thenApply(ProgramActions::result);
    }

    /**
     * {@code all}: "running" recorded for every target, then everything stops (by priority levels),
     * then everything starts (in priority order).
     */
    CompletableFuture<ActionResult> restart(String name) {
        if (ALL.equals(name)) {
            return onLoop(() -> {
                List<Program> targets = targets(ALL);
                supervisor.intend(targets, "running");
                return stopLevels(targets);
            }).thenCompose(stopped -> start(ALL, true));
        }
        return onLoop(() -> {
            List<Program> targets = targets(name);
            supervisor.intend(startable(targets), "running");
            return combine(targets.stream().map(this::restartOne).toList());
        });
    }

    /** The targets an operator may start: not those only the cluster starts. */
    private List<Program> startable(List<Program> targets) {
        return targets.stream().filter(p -> supervisor.clusterLock(p.name()) == null).toList();
    }

    /**
     * An engine a handover holds, met by an action on {@code all}: not started, but remembered as
     * wanted (so that a rollback may resume it: only an operator's stop keeps it stopped).
     */
    private CompletableFuture<Outcome> held(Program p) {
        supervisor.want(p);
        String why = supervisor.holdReason(p);
        return CompletableFuture.completedFuture(new Outcome(true, p.status(), p.name() + ": skipped, " + why
                + "; 'baton start " + p.name() + "' starts it anyway (an override, recorded in the history)", why));
    }

    /** Signals every running target's process group; CONFLICT when none is running. */
    CompletableFuture<ActionResult> signal(String name, int signal) {
        return onLoop(() -> {
            List<Program> targets = targets(name);
            List<Program> running = targets.stream().filter(p -> p.state().hasProcess()).toList();
            if (running.isEmpty()) {
                throw new ControlException(ControlException.Kind.CONFLICT, ALL.equals(name)
                        ? "no program is running: nothing to signal"
                        : name + " is " + targets.get(0).state() + ": not running, nothing to signal");
            }
            List<Outcome> outcomes = running.stream().map(p -> {
                int pid = p.instance().pid();
                boolean sent = p.signal(signal);
                return new Outcome(sent, p.status(), p.name() + ": " + (sent ? "sent " : "could not send ")
                        + Signals.name(signal) + " to process group " + pid);
            }).toList();
            return CompletableFuture.completedFuture(result(outcomes));
        });
    }

    // ---- one program (on the loop) ----------------------------------------------------------------

    private CompletableFuture<Outcome> startOne(Program p) {
        if (supervisor.clusterLock(p.name()) != null) {
            return CompletableFuture.completedFuture(clusterOnly(p));
        }
        if (p.state() == ProcessState.RUNNING) {
            supervisor.start(p); // remembers "running" (a no-op for the process)
            return CompletableFuture.completedFuture(
                    new Outcome(true, p.status(), p.name() + ": already RUNNING (pid " + p.status().pid() + ")"));
        }
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        Runnable go = () -> {
            String overtaken = supervisor.whyNoStartAfterStop(p); // the start waited: a reload, a stop, the shutdown came
            if (overtaken != null) {
                out.complete(new Outcome(false, p.status(), p.name() + ": " + overtaken + ", not started"));
                return;
            }
            supervisor.start(p);
            awaitStarted(p).thenAccept(out::complete);
        };
        if (supervisor.waitsForRemovals(p)) {
            // added (or changed) by a reload whose removed programs are still stopping: it starts after them
            supervisor.afterRemovals(p, go);
        } else if (p.state() == ProcessState.STOPPING) {
            p.stop(go); // a start during a stop waits for the stop, then starts
        } else {
            go.run();
        }
        return out;
    }

    private CompletableFuture<Outcome> restartOne(Program p) {
        if (supervisor.clusterLock(p.name()) != null) {
            return CompletableFuture.completedFuture(clusterOnly(p));
        }
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        supervisor.restart(p, () -> awaitStarted(p).thenAccept(out::complete));
        return out;
    }

    private CompletableFuture<Outcome> stopOne(Program p) {
        ProcessState before = p.state();
        Duration limit = p.config().stopTimeout().plus(STOP_MARGIN);
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        p.stop(() -> loop.post(() -> out.complete(stopped(p, before)))); // its intent is recorded already
        EventLoop.Timer timer = loop.schedule(limit, () -> out.complete(new Outcome(false, p.status(),
                p.name() + ": still " + p.state() + " after " + limit.toSeconds() + "s")));
        out.whenComplete((o, e) -> timer.cancel());
        return out;
    }

    /** Settled: RUNNING (ok), or a failed start (BACKOFF after STARTING, FATAL, EXITED, STOPPED). */
    private CompletableFuture<Outcome> awaitStarted(Program p) {
        Duration limit = p.config().startSecs().plus(START_MARGIN);
        return await(p, (s, from) -> switch (s.state()) {
            case RUNNING, FATAL, EXITED, STOPPED -> true;
            case BACKOFF -> from == ProcessState.STARTING;
            default -> false;
        }, limit).thenApply(s -> new Outcome(s.state() == ProcessState.RUNNING, s, started(s, limit)));
    }

    private static String started(ProgramStatus s, Duration limit) {
        return switch (s.state()) {
            case RUNNING -> s.name() + ": RUNNING (pid " + s.pid() + ")";
            case STARTING -> s.name() + ": still STARTING after " + limit.toSeconds() + "s";
            default -> s.name() + ": " + s.state() + (s.lastError() != null ? ": " + s.lastError()
                    : s.lastExit() != null ? " (" + s.lastExit() + ")" : "");
        };
    }

    /** An exclusive program, or its standby variant: only the cluster starts it, on the host that holds its lock. */
    private Outcome clusterOnly(Program p) {
        return new Outcome(false, p.status(), p.name() + " is started only by the cluster (lock "
                + supervisor.clusterLock(p.name()) + "), on the host that holds the lock: to move it, use"
                + " 'baton failover --to HOST'");
    }

    private static Outcome stopped(Program p, ProcessState before) {
        ProgramStatus s = p.status();
        boolean wasDown = !before.hasProcess() && before != ProcessState.BACKOFF;
        String message = wasDown ? p.name() + ": not running (" + before + ")"
                : p.name() + ": " + s.state() + (p.killedOnStop() ? " (needed SIGKILL after stop_timeout)" : "");
        return new Outcome(!s.state().hasProcess(), s, message);
    }

    /**
     * Completes with the program's status once {@code done} holds for a state change (or for its
     * state now), or with its status at the limit.
     */
    private CompletableFuture<ProgramStatus> await(Program p, BiPredicate<ProgramStatus, ProcessState> done,
                                                   Duration limit) {
        ProgramStatus now = p.status();
        if (done.test(now, null)) {
            return CompletableFuture.completedFuture(now);
        }
        Waiter w = new Waiter(done, new CompletableFuture<>());
        waiters.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(w);
        EventLoop.Timer timer = loop.schedule(limit, () -> {
            forget(p.name(), w);
            w.result.complete(p.status());
        });
        w.result.whenComplete((s, e) -> timer.cancel());
        return w.result;
    }

    @Override
    public void stateChanged(ProgramStatus status, ProcessState from) {
        List<Waiter> ws = waiters.get(status.name());
        if (ws == null) {
            return;
        }
        for (Waiter w : List.copyOf(ws)) {
            if (w.done.test(status, from)) {
                forget(status.name(), w);
                // Later, not inside the program's own state change: what follows may act on programs.
                loop.post(() -> w.result.complete(status));
            }
        }
    }

    private void forget(String name, Waiter w) {
        List<Waiter> ws = waiters.get(name);
        if (ws != null && ws.remove(w) && ws.isEmpty()) {
            waiters.remove(name);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /**
     * The named program, or every program in priority order for {@code all}: all but the programs
     * the cluster starts and stops (exclusive programs and their standby variants), which are only
     * ever acted on by name.
     */
    private List<Program> targets(String name) {
        if (ALL.equals(name)) {
            return supervisor.programs().stream().filter(p -> supervisor.clusterLock(p.name()) == null)
                    .sorted(Comparator.comparingInt(p -> p.config().priority())).toList();
        }
        Program p = supervisor.program(name);
        if (p == null) {
            throw new ControlException(ControlException.Kind.NOT_FOUND, "no program named " + name);
        }
        return List.of(p);
    }

    /** Runs {@code action} on the loop; refused while the agent shuts down. */
    private <T> CompletableFuture<T> onLoop(Callable<CompletableFuture<T>> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (shuttingDown.getAsBoolean()) {
            result.completeExceptionally(new ControlException(ControlException.Kind.UNAVAILABLE,
                    "the agent is shutting down"));
            return result;
        }
        loop.post(() -> {
            try {
                action.call().whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                });
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static CompletableFuture<ActionResult> combine(List<CompletableFuture<Outcome>> outcomes) {
        return all(outcomes).thenApply(ProgramActions::result);
    }

    private static CompletableFuture<List<Outcome>> all(List<CompletableFuture<Outcome>> outcomes) {
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(v -> outcomes.stream().map(CompletableFuture::join).toList());
    }

    private static List<Outcome> concat(List<Outcome> a, List<Outcome> b) {
        List<Outcome> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static ActionResult result(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return new ActionResult(true, List.of(), "no programs configured");
        }
        return new ActionResult(outcomes.stream().allMatch(Outcome::ok),
                outcomes.stream().map(Outcome::status).toList(),
                String.join("\n", outcomes.stream().map(Outcome::message).toList()),
                outcomes.stream().filter(o -> o.skipped() != null)
                        .map(o -> new ActionResult.Skipped(o.status().name(), o.skipped())).toList());
    }
}
