package dev.baton.config;

import dev.baton.process.os.ResourceLimit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code [programs.NAME]} section, validated and with defaults applied.
 *
 * @param name           unique program name ([A-Za-z0-9][A-Za-z0-9._-]*, at most 64 chars)
 * @param command        argv; when {@code shell} is true this is {@code ["/bin/sh", "-c", line]}
 * @param shell          the command was a string run through /bin/sh because the config asked for it
 * @param directory      working directory (null: the agent's)
 * @param environment    variables added to (or, when inheritEnvironment is false, forming) the program's environment
 * @param inheritEnvironment start from the agent's environment (minus the agent's own secrets)
 * @param user           run as this user (only when the agent is root); null: the agent's user
 * @param group          run with this group; null: the user's primary group
 * @param umask          umask for the program (null: inherit the agent's)
 * @param priority       start low to high, stop in reverse
 * @param autostart      start when the agent starts (unless an operator stopped it by hand)
 * @param restart        restart policy after an exit from RUNNING
 * @param exitCodes      exit codes that count as expected for {@code on-failure}
 * @param startSecs      how long the process must stay up to count as started (STARTING to RUNNING)
 * @param startRetries   failed starts in a row before FATAL; -1: retry forever
 * @param noRestartExitCodes exit codes after which the program is never restarted, whatever {@code restart}
 *                       says (systemd's RestartPreventExitStatus=: Nimbus exits 129 on a doppelganger)
 * @param backoff        delay between restarts
 * @param stopSignal     signal number sent to the process group to stop it
 * @param stopTimeout    wait this long after the stop signal, then SIGKILL the group
 * @param log            log options
 * @param limits         resource limits set at spawn (empty: inherit the agent's)
 * @param ignoreSigpipe  start with SIGPIPE ignored, as under supervisord and systemd (false: systemd's
 *                       IgnoreSIGPIPE=no, SIGPIPE at its default action)
 * @param allowExternalCopies start an engine or exclusive program even while a copy of its executable runs
 *                       (or an enabled systemd unit would start one) outside baton
 * @param engine         engine-group membership for version handover (null: a plain program)
 * @param origin         where this program was defined (file and line), for messages
 */
public record ProgramConfig(
        String name,
        List<String> command,
        boolean shell,
        Path directory,
        Map<String, String> environment,
        boolean inheritEnvironment,
        String user,
        String group,
        Integer umask,
        int priority,
        boolean autostart,
        RestartPolicy restart,
        Set<Integer> exitCodes,
        Duration startSecs,
        int startRetries,
        Set<Integer> noRestartExitCodes,
        Backoff backoff,
        int stopSignal,
        Duration stopTimeout,
        LogSettings log,
        List<ResourceLimit> limits,
        boolean ignoreSigpipe,
        boolean allowExternalCopies,
        EngineSettings engine,
        Origin origin) {

    public static final int RETRY_FOREVER = -1;

    // defaults of the program keys (the records of the nested tables carry their own DEFAULT)
    public static final int DEFAULT_PRIORITY = 100;
    public static final RestartPolicy DEFAULT_RESTART = RestartPolicy.ON_FAILURE;
    public static final Set<Integer> DEFAULT_EXIT_CODES = Set.of(0);
    public static final Duration DEFAULT_START_SECS = Duration.ofSeconds(1);
    public static final int DEFAULT_START_RETRIES = 3;
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    public boolean isEngine() {
        return engine != null;
    }

    /**
     * True when the two configs would run the same process the same way. Used by reload to decide
     * whether a running program must be restarted. The origin is not part of it.
     */
    public boolean sameRuntime(ProgramConfig other) {
        return withoutOrigin().equals(other.withoutOrigin());
    }

    private ProgramConfig withoutOrigin() {
        return new ProgramConfig(name, command, shell, directory, environment, inheritEnvironment, user, group, umask,
                priority, autostart, restart, exitCodes, startSecs, startRetries, noRestartExitCodes, backoff, stopSignal,
                stopTimeout, log, limits, ignoreSigpipe, allowExternalCopies, engine, null);
    }
}
