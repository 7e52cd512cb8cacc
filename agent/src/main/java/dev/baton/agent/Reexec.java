package dev.baton.agent;

import dev.baton.agent.state.StateWriter;
import dev.baton.cluster.Cluster;
import dev.baton.cluster.LockStatus;
import dev.baton.logs.LogPipeline;
import dev.baton.process.EventLoop;
import dev.baton.process.os.BootId;
import dev.baton.process.os.Os;
import dev.baton.process.os.Reaper;
import dev.baton.process.os.Spawner;
import dev.baton.systemd.SdNotify;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code baton reexec}: the agent replaces its own program with the installed version, in place
 * (same pid), and the new version adopts the running programs: none is stopped or restarted (like
 * systemd's daemon-reexec). The steps:
 * <ol>
 * <li>{@link #check}: every program settled, no agent command running, no cluster lock held here, and
 *     the installed version starts and accepts the config ({@code --version}, {@code check-config},
 *     run as children with a timeout);</li>
 * <li>{@link #execute}, once the API answered: exits are left unreaped (the reaper pauses), then on
 *     the event loop, so that nothing starts or stops meanwhile: systemd hears RELOADING=1, the API
 *     closes, the log pipeline stops reading and writes out what it read, the state files are flushed,
 *     the handoff ({@link ReexecHandoff}) is written, and the spawner thread execs the same command
 *     line with the programs' pipes kept open.</li>
 * </ol>
 * If the exec fails everything resumes (API, reading, reaping) and the reason is logged and shown in
 * the status. The new agent adopts what the handoff lists ({@link ReexecAdoption}) and says READY=1.
 */
final class Reexec {
    private static final Logger log = LoggerFactory.getLogger(Reexec.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);
    /** Each of the three waits while the loop is held; their sum stays well under a WatchdogSec of 30 s. */
    private static final Duration QUIESCE_LIMIT = Duration.ofSeconds(5);
    private static final Duration LOOP_LIMIT = Duration.ofSeconds(60);

    /** The steps the agent owns (its API); the rest is passed in. */
    interface Api {
        void stop();

        void start();
    }

    private final Path configPath;
    private final Path stateDir;
    private final EventLoop loop;
    private final Supervisor supervisor;
    private final LogPipeline logs;
    private final StateWriter stateWriter;
    private final Spawner spawner;
    private final Reaper reaper;
    private final ChildCommands commands;
    private final SdNotify notify;
    private final Supplier<Cluster> cluster;
    private final Api api;
    private volatile String lastFailure;
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

    Reexec(Path configPath, Path stateDir, EventLoop loop, Supervisor supervisor, LogPipeline logs,
           StateWriter stateWriter, Spawner spawner, Reaper reaper, ChildCommands commands, SdNotify notify,
           Supplier<Cluster> cluster, Api api) {
        this.configPath = configPath;
        this.stateDir = stateDir;
        this.loop = loop;
        this.supervisor = supervisor;
        this.logs = logs;
        this.stateWriter = stateWriter;
        this.spawner = spawner;
        this.reaper = reaper;
        this.commands = commands;
        this.notify = notify;
        this.cluster = cluster;
        this.api = api;
    }

    /** Why the last re-exec failed after it was accepted, or null. */
    String lastFailure() {
        return lastFailure;
    }

    /**
     * Off the loop (it runs the installed version twice): why the agent cannot re-execute itself
     * now, or null when it can.
     */
    String check() {
        String now = whyNotNow();
        if (now != null) {
            return now;
        }
        List<String> prefix;
        try {
            prefix = launcher(commandLine());
        } catch (IOException e) {
            return e.getMessage();
        }
        List<String> version = new ArrayList<>(prefix);
        version.add("--version");
        ChildCommands.Result r = commands.run(version, CHECK_TIMEOUT);
        if (!r.succeeded()) {
            return "the installed version does not start (" + String.join(" ", version) + ": " + r.describe()
                    + "); the running agent goes on";
        }
        List<String> check = new ArrayList<>(prefix);
        check.addAll(List.of("check-config", "--quiet", "--config", configPath.toString()));
        r = commands.run(check, CHECK_TIMEOUT);
        if (!r.succeeded()) {
            return "the installed version refuses the config (" + r.describe() + "; baton check-config --config "
                    + configPath + " says why); the running agent goes on";
        }
        return null;
    }

    /** Why not now (programs, commands, cluster), or null; quick. */
    private String whyNotNow() {
        List<String> why = new ArrayList<>();
        try {
            String programs = loop.call(supervisor::whyNoReexec, LOOP_LIMIT);
            if (programs != null) {
                why.add(programs);
            }
        } catch (Exception e) {
            return "the event loop did not answer: " + e;
        }
        why.addAll(configChanged());
        if (commands.busy()) {
            why.add("an agent command (readiness check, upgrade step) is running: try again once it ended");
        }
        Cluster c = cluster.get();
        if (c != null) {
            List<String> held;
            try {
                held = c.status().locks().stream().filter(l -> l.fencingToken() != 0).map(LockStatus::lock).toList();
            } catch (RuntimeException e) {
                held = List.of("(unknown: " + e.getMessage() + ")");
            }
            if (!held.isEmpty()) {
                why.add("this host holds the exclusive lock(s) " + held + ": a re-exec would drop the etcd lease "
                        + "under a running exclusive program; systemctl restart baton hands the locks over first");
            }
        }
        return why.isEmpty() ? null : "not re-executing: " + String.join("; ", why);
    }

    /**
     * The new agent takes the config on disk as the one its adopted programs run with: a program change
     * not applied yet would never be (a later reload sees no difference), so it must be applied first.
     * The agent's own settings ([agent], [api]) are the new agent's anyway, except its state directory:
     * the handoff, the operators' intent, the agent id that tags and finds the running instances live in
     * the one in use, so a new agent in another would adopt nothing, end nothing, and start a second copy
     * of every program (hand-stopped ones too).
     */
    private List<String> configChanged() {
        List<String> why = new ArrayList<>();
        try {
            dev.baton.config.BatonConfig onDisk = dev.baton.config.ConfigLoader.load(configPath);
            Path newStateDir = onDisk.agent().stateDir();
            if (!sameDirectory(stateDir, newStateDir)) {
                why.add("the config on disk moves the state directory (" + stateDir + " -> " + newStateDir + "): the "
                        + "re-executed agent would find neither the handoff nor the running programs there and start a "
                        + "second copy of each; restart the agent instead (systemctl restart baton), or undo the change");
            }
            dev.baton.config.ConfigDiff diff = dev.baton.config.ConfigDiff.between(supervisor.config(), onDisk);
            if (!diff.isEmpty()) {
                why.add("the programs in the config on disk differ from the running ones (added " + diff.added()
                        + ", removed " + diff.removed() + ", changed " + diff.changed() + "): apply them first (baton reload)");
            }
        } catch (dev.baton.config.ConfigException e) {
            why.add("the config on disk is invalid (" + e.getMessage() + "): baton check-config says why");
        }
        return why;
    }

    private static boolean sameDirectory(Path inUse, Path configured) {
        if (inUse.toAbsolutePath().normalize().equals(configured.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.isSameFile(inUse, configured);
        } catch (IOException e) {
            return false; // the configured one does not exist (yet): another directory
        }
    }

    /**
     * Re-executes (never returns when that works). Call after {@link #check} said yes and the caller
     * was answered. On failure the agent goes on as before; the reason is logged and kept.
     */
    void execute() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        reaper.pause();
        try {
            String failure = loop.call(this::execOnLoop, LOOP_LIMIT);
            lastFailure = failure;
            log.error("reexec: {}", failure);
        } catch (Exception e) {
            lastFailure = "failed: " + e;
            log.error("reexec: failed, the agent goes on", e);
        } finally {
            reaper.resume();
            running.set(false);
        }
    }

    /** On the loop: nothing starts, stops or is judged while this runs. Returns only on failure. */
    private String execOnLoop() throws IOException {
        String now = whyNotNow();
        if (now != null) {
            return now;
        }
        List<String> argv = commandLine();
        launcher(argv);
        notify.send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=re-executing baton");
        api.stop();
        Map<Integer, String> pipes = logs.quiesce(QUIESCE_LIMIT);
        if (pipes == null) {
            return resume("the log pipeline did not write out its lines within " + QUIESCE_LIMIT.toSeconds() + " s");
        }
        if (!stateWriter.flush(QUIESCE_LIMIT)) {
            return resume("the state files were not written within " + QUIESCE_LIMIT.toSeconds() + " s");
        }
        List<ReexecHandoff.Handed> handed = supervisor.handOver(pipes, logs.pendingLines());
        String nonce = ReexecHandoff.newNonce();
        ReexecHandoff handoff = new ReexecHandoff(ReexecHandoff.VERSION, Os.pid(), BootId.current(), nonce,
                dev.baton.cli.Main.Version.get(), handed, supervisor.endedPrograms(),
                supervisor.shownPrograms());
        try {
            handoff.write(stateDir);
        } catch (IOException e) {
            return resume("cannot write the handoff: " + e.getMessage());
        }
        Set<Integer> keep = new TreeSet<>();
        handed.forEach(h -> {
            if (h.stdoutFd() >= 0) {
                keep.add(h.stdoutFd());
            }
            if (h.stderrFd() >= 0) {
                keep.add(h.stderrFd());
            }
        });
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(ReexecHandoff.NONCE_ENV, nonce);
        log.info("reexec: re-executing {} in place (pid {}), handing over {}", argv.get(0), Os.pid(),
                handed.stream().map(h -> h.program() + " (pid " + h.pid() + ")").toList());
        logs.awaitWritten(QUIESCE_LIMIT); // this very line too, on stdout before the exec
        String failed = spawner.execInPlace(executable(), argv, env, keep);
        ReexecHandoff.delete(stateDir);
        return resume(failed);
    }

    private String resume(String why) {
        logs.resumeReading();
        api.start();
        notify.ready("re-exec failed, the agent goes on: " + why);
        return "not re-executed, the agent goes on: " + why;
    }

    /** This JVM's command line, as the kernel has it. */
    static List<String> commandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return argv;
    }

    /**
     * The command line up to baton's subcommand ({@code run}), for running the installed version's
     * checks; without the options that write a class-data archive.
     *
     * @throws IOException when the command line is not {@code java ... (-jar JAR | dev.baton.cli.Main) run ...}
     */
    static List<String> launcher(List<String> argv) throws IOException {
        int sub = -1;
        for (int i = 1; i < argv.size() && sub < 0; i++) {
            if (argv.get(i).equals("-jar") && i + 2 < argv.size()) {
                sub = i + 2;
            } else if (argv.get(i).equals(dev.baton.cli.Main.class.getName()) && i + 1 < argv.size()) {
                sub = i + 1;
            }
        }
        if (sub < 0 || !argv.get(sub).equals("run")) {
            throw new IOException("not re-executing: the agent's command line (" + String.join(" ", argv)
                    + ") is not java ... -jar JAR run ... (as bin/baton starts it)");
        }
        return argv.subList(0, sub).stream().filter(a -> !a.startsWith("-XX:ArchiveClassesAtExit")
                && !a.equals("-XX:+AutoCreateSharedArchive")).toList();
    }

    /** The JVM binary; /proc/self/exe when it was replaced on disk (an upgraded JDK: the running one is exec'ed). */
    private static String executable() {
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc/self/exe"));
            return Files.isExecutable(exe) ? exe.toString() : "/proc/self/exe";
        } catch (IOException e) {
            return "/proc/self/exe";
        }
    }
}
