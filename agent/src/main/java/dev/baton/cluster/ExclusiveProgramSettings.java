package dev.baton.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A program that runs only on the host holding {@code lock} ({@code [programs.NAME] exclusive = {...}}).
 *
 * @param program        the exclusive program (e.g. the validator with its real identity)
 * @param lock           lock name, e.g. the validator identity; one program per lock on a host
 * @param readiness      a standby campaigns only while this passes
 * @param standbyProgram optional program run while not holding the lock (e.g. the same engine with a
 *                       secondary identity); null for none
 * @param stopTimeout    the longest {@link ExclusiveProgramControl#stopAndConfirmExit} can take for
 *                       {@code program}: its stop timeout before SIGKILL
 * @param identity       warm standby: the program runs everywhere and these hooks move its identity; null
 *                       for the classic mode (the program runs only on the holder)
 * @param safeMoment     optional check run on the holder before a planned switchover (e.g. "no leader
 *                       slot soon"): the switchover waits until it exits 0; null for none
 */
public record ExclusiveProgramSettings(String program, String lock, ReadinessSpec readiness,
                                       String standbyProgram, Duration stopTimeout, IdentityHooks identity,
                                       ReadinessSpec.Command safeMoment) {

    /** The classic mode, without a safe-moment check. */
    public ExclusiveProgramSettings(String program, String lock, ReadinessSpec readiness, String standbyProgram,
                                    Duration stopTimeout) {
        this(program, lock, readiness, standbyProgram, stopTimeout, null, null);
    }

    /**
     * The holder stops its program (in identity mode: runs the release hook and, if that fails, stops
     * the program) when its lease has only this much left (measured from the last confirmed renewal on
     * the monotonic clock), so that the program has exited, or its identity is passive, before the lease can.
     */
    public Duration fenceBudget(ClusterSettings cluster) {
        Duration release = identity == null || identity.timeout() == null ? Duration.ZERO : identity.timeout();
        return release.plus(stopTimeout).plus(cluster.fenceMargin());
    }

    /** Problems with one exclusive program, given the cluster settings, prefixed with the config key. */
    public static List<String> validate(ExclusiveProgramSettings p, ClusterSettings cluster) {
        List<String> problems = new ArrayList<>();
        String key = "programs." + p.program() + ".exclusive";
        if (p.lock() == null || !ClusterSettings.NAME.matcher(p.lock()).matches()) {
            problems.add(key + ".lock: \"" + p.lock() + "\" is not a usable lock name (letters, digits, '.', '_', '-')");
        }
        if (p.readiness() == null) {
            problems.add(key + ".readiness: required (an HTTP URL, a command, an engine role, or \"always\"):"
                    + " a standby that has not caught up must not take over");
        }
        problems.addAll(validateReadiness(key + ".readiness", p.readiness()));
        if (p.program().equals(p.standbyProgram())) {
            problems.add(key + ".standby_program: must differ from the exclusive program");
        }
        problems.addAll(validateHooks(key, p));
        if (p.stopTimeout() == null || p.stopTimeout().isNegative()) {
            problems.add(key + ": the program needs a stop timeout");
            return problems;
        }
        Duration needed = cluster.renewInterval().plus(cluster.retryTimeout().multipliedBy(2)).plus(p.fenceBudget(cluster));
        if (needed.compareTo(cluster.leaseTtl()) > 0) {
            problems.add(key + ": renew_interval " + ClusterSettings.show(cluster.renewInterval())
                    + " + 2 x retry_timeout " + ClusterSettings.show(cluster.retryTimeout())
                    + (p.identity() == null ? "" : " + identity.timeout " + ClusterSettings.show(p.identity().timeout()))
                    + " + the program's stop_timeout " + ClusterSettings.show(p.stopTimeout())
                    + " + fence_margin " + ClusterSettings.show(cluster.fenceMargin()) + " = " + ClusterSettings.show(needed)
                    + " exceeds cluster.lease_ttl " + ClusterSettings.show(cluster.leaseTtl())
                    + (p.identity() == null
                    ? " (the holder must stop its program and see it exit before its lease can expire, and must"
                    + " not do so after one slow renewal); raise lease_ttl to at least "
                    + ClusterSettings.show(ClusterSettings.roundUpToSeconds(needed)) + " or lower the stop_timeout"
                    : " (the holder must run its release hook and, should that fail, stop its program before its lease"
                    + " can expire, and must not do so after one slow renewal); raise lease_ttl to at least "
                    + ClusterSettings.show(ClusterSettings.roundUpToSeconds(needed))
                    + " or lower identity.timeout or the stop_timeout"));
        }
        return problems;
    }

    private static List<String> validateHooks(String key, ExclusiveProgramSettings p) {
        List<String> problems = new ArrayList<>();
        if (p.safeMoment() != null && (p.safeMoment().argv() == null || p.safeMoment().argv().isEmpty())) {
            problems.add(key + ".safe_moment: the command is empty");
        }
        IdentityHooks hooks = p.identity();
        if (hooks == null) {
            return problems;
        }
        if (hooks.acquire() == null || hooks.acquire().isEmpty()) {
            problems.add(key + ".identity.acquire: required: the command that makes the identity live on this host");
        }
        if (hooks.release() == null || hooks.release().isEmpty()) {
            problems.add(key + ".identity.release: required: the command that makes the identity passive again");
        }
        if (hooks.verifyReleased() != null && hooks.verifyReleased().isEmpty()) {
            problems.add(key + ".identity.verify_released: the command is empty (remove the key for none)");
        }
        if (hooks.timeout() == null || hooks.timeout().isZero() || hooks.timeout().isNegative()) {
            problems.add(key + ".identity.timeout: must be greater than zero");
        }
        if (p.standbyProgram() != null) {
            problems.add(key + ".standby_program: not with identity: in identity mode the program itself runs on"
                    + " every host and the release hook makes it the standby; remove standby_program");
        }
        return problems;
    }

    private static List<String> validateReadiness(String key, ReadinessSpec spec) {
        Duration timeout = null;
        if (spec instanceof ReadinessSpec.Http http) {
            timeout = http.timeout();
            String scheme = http.url() == null ? null : http.url().getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                return List.of(key + ": \"" + http.url() + "\" is not an http(s) URL");
            }
        } else if (spec instanceof ReadinessSpec.Command command) {
            timeout = command.timeout();
            if (command.argv() == null || command.argv().isEmpty()) {
                return List.of(key + ": the command is empty");
            }
        } else if (spec instanceof ReadinessSpec.EngineRole role && (role.roles() == null || role.roles().isEmpty())) {
            return List.of(key + ": name at least one engine role that means \"caught up\"");
        }
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            return List.of(key + ": the check needs a timeout greater than zero");
        }
        return List.of();
    }

    /** Problems across all exclusive programs of this host: each lock and each program at most once. */
    public static List<String> validateAll(List<ExclusiveProgramSettings> programs, ClusterSettings cluster) {
        List<String> problems = new ArrayList<>();
        List<String> locks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ExclusiveProgramSettings p : programs) {
            problems.addAll(validate(p, cluster));
            if (locks.contains(p.lock())) {
                problems.add("programs." + p.program() + ".exclusive.lock: lock \"" + p.lock()
                        + "\" is already used by another program on this host");
            }
            locks.add(p.lock());
            names.add(p.program());
        }
        for (ExclusiveProgramSettings p : programs) {
            if (p.standbyProgram() != null && names.contains(p.standbyProgram())) {
                problems.add("programs." + p.program() + ".exclusive.standby_program: \"" + p.standbyProgram()
                        + "\" is itself exclusive");
            }
        }
        return problems;
    }
}
