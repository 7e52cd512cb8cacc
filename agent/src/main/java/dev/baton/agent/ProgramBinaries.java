package dev.baton.agent;

import dev.baton.process.ProcessState;
import dev.baton.process.ProgramStatus;
import dev.baton.process.os.RunningBinaries;

/** Feeds {@link RunningBinaries} from the supervisor's state changes: a new process, a process gone. */
final class ProgramBinaries implements AutoCloseable {
    private final RunningBinaries digests = new RunningBinaries();

    RunningBinaries digests() {
        return digests;
    }

    /** On the event loop: only posts to the digest thread. */
    void stateChanged(ProgramStatus status, ProcessState from) {
        if (status.state() == ProcessState.STARTING && status.pid() > 0) {
            digests.spawned(status.name(), status.pid());
        } else if (from.hasProcess() && !status.state().hasProcess()) {
            digests.exited(status.name());
        }
    }

    @Override
    public void close() {
        digests.close();
    }
}
