package dev.baton.agent;

import dev.baton.config.BatonConfig;
import dev.baton.config.ProgramConfig;
import dev.baton.process.ChildEnvironment;
import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.HostLookup;
import dev.baton.process.os.RunningBinaries;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/** Feeds {@link RunningBinaries} from the supervisor's state changes: a new process, a process gone. */
final class ProgramBinaries implements AutoCloseable {
    private final RunningBinaries digests = new RunningBinaries();
    private final Supplier<BatonConfig> config;
    private final Map<String, String> agentEnvironment;

    ProgramBinaries(Supplier<BatonConfig> config, Map<String, String> agentEnvironment) {
        this.config = config;
        this.agentEnvironment = agentEnvironment;
    }

    RunningBinaries digests() {
        return digests;
    }

    /**
     * On the event loop (the config is read there): only posts to the digest thread. A new process is
     * a STARTING one, or one that appears RUNNING without starting: a process adopted after a re-exec
     * (STOPPED -> RUNNING), whose digest the previous version's memory took with it.
     */
    void stateChanged(ProgramStatus status, ProcessState from) {
        boolean newProcess = status.state() == ProcessState.STARTING
                || (status.state().hasProcess() && !from.hasProcess());
        if (newProcess && status.pid() > 0) {
            digests.spawned(status.name(), status.pid(), commandFile(status.name()));
        } else if (from.hasProcess() && !status.state().hasProcess()) {
            digests.exited(status.name());
        }
    }

    /** The file the program's command names, looked up on the digest thread and only when needed. */
    private Supplier<Path> commandFile(String program) {
        BatonConfig c = config.get();
        ProgramConfig p = c == null ? null : c.programs().get(program);
        return () -> p == null ? null : HostLookup.executable(p.command().get(0),
                ChildEnvironment.build(p, agentEnvironment, "", ""));
    }

    @Override
    public void close() {
        digests.close();
    }
}
