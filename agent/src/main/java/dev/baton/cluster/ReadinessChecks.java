package dev.baton.cluster;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Turns a {@link ReadinessSpec} into a check. */
public final class ReadinessChecks {
    private ReadinessChecks() {
    }

    public static ReadinessCheck of(ReadinessSpec spec, EngineRoles roles) {
        return of(spec, roles, null);
    }

    /** @param control runs readiness commands (the agent's spawner and reaper); null: ProcessBuilder */
    public static ReadinessCheck of(ReadinessSpec spec, EngineRoles roles, ExclusiveProgramControl control) {
        if (spec instanceof ReadinessSpec.Http http) {
            return () -> httpOk(http);
        }
        if (spec instanceof ReadinessSpec.Command command) {
            return control == null
                    ? () -> exitsZero(command.argv(), command.timeout())
                    : () -> control.runCheck(command.argv(), command.timeout());
        }
        if (spec instanceof ReadinessSpec.EngineRole role) {
            return () -> roles.roleOf(role.program()).filter(role.roles()::contains).isPresent();
        }
        return () -> true;
    }

    /** How long one check may take. */
    public static Duration timeout(ReadinessSpec spec) {
        if (spec instanceof ReadinessSpec.Http http) {
            return http.timeout();
        }
        if (spec instanceof ReadinessSpec.Command command) {
            return command.timeout();
        }
        return Duration.ZERO;
    }

    private static boolean httpOk(ReadinessSpec.Http spec) {
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) spec.url().toURL().openConnection();
            int millis = (int) spec.timeout().toMillis();
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            int code = connection.getResponseCode();
            return code >= 200 && code < 300;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    /**
     * Runs the command with ProcessBuilder: only where no {@code waitpid(-1)} reaper runs (it would take
     * the exit status). The agent runs commands through {@link ExclusiveProgramControl#runCheck} instead.
     */
    static boolean exitsZero(List<String> argv, Duration timeout) {
        return runHook(argv, Map.of(), timeout).succeeded();
    }

    /** {@link ExclusiveProgramControl#runHook}'s default, for hosts without the agent's reaper (tests): output discarded. */
    static HookResult runHook(List<String> argv, Map<String, String> environment, Duration timeout) {
        Process process = null;
        try {
            ProcessBuilder builder = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new HookResult(false, "timed out after " + timeout + " (killed)");
            }
            return new HookResult(process.exitValue() == 0, "exit " + process.exitValue());
        } catch (IOException e) {
            return new HookResult(false, "cannot be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
            return new HookResult(false, "interrupted");
        }
    }
}
