package dev.baton.external;

import dev.baton.config.BatonConfig;
import dev.baton.config.ProgramConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds an engine or an exclusive program while a copy of it runs outside baton (or an enabled
 * systemd unit would start one): two copies of one engine sign with one key. A program with
 * {@code allow_external_copies = true} is not held. The agent asks before it starts a program; each
 * question rescans, since a package upgrade may start a unit at any time.
 */
public final class ExternalCopyGuard {
    private static final Logger log = LoggerFactory.getLogger(ExternalCopyGuard.class);

    private final Path root;
    private final int agentPid;
    /** Guarded program name to its executable (resolved when the guard is made). */
    private final Map<String, Path> guarded = new HashMap<>();

    public ExternalCopyGuard(BatonConfig config, int agentPid, Map<String, String> agentEnv) {
        this(config, agentPid, agentEnv, Path.of("/"));
    }

    ExternalCopyGuard(BatonConfig config, int agentPid, Map<String, String> agentEnv, Path root) {
        this.root = root;
        this.agentPid = agentPid;
        Map<String, String> managed = new HashMap<>();
        if (config.cluster() != null) {
            managed.putAll(config.cluster().managedPrograms());
            managed.putAll(config.cluster().identityPrograms()); // a second copy could sign with the identity too
        }
        for (ProgramConfig p : config.programs().values()) {
            if ((p.isEngine() || managed.containsKey(p.name())) && !p.allowExternalCopies() && !p.shell()) {
                Path exe = ExternalCopies.executable(p.command(), agentEnv);
                if (exe != null) {
                    guarded.put(p.name(), exe);
                }
            }
        }
    }

    /** Why {@code program} must not start now, or null. */
    public String holdReason(String program) {
        Path exe = guarded.get(program);
        if (exe == null) {
            return null;
        }
        List<ExternalCopies.Copy> copies = new ExternalCopies(root, agentPid).of(exe);
        if (copies.isEmpty()) {
            return null;
        }
        String reason = "not started: a copy runs outside baton, and two copies of an engine sign with one key: "
                + copies.stream().map(ExternalCopies.Copy::toString).collect(Collectors.joining("; "))
                + "; or set allow_external_copies = true on " + program;
        log.error("{}: {}", program, reason);
        return reason;
    }

    /** Every copy of every program (guarded or not), for check-config: program name to its copies. */
    public static Map<String, List<ExternalCopies.Copy>> all(BatonConfig config, int agentPid, Map<String, String> env) {
        ExternalCopies copies = new ExternalCopies(Path.of("/"), agentPid);
        Map<String, List<ExternalCopies.Copy>> out = new java.util.TreeMap<>();
        for (ProgramConfig p : config.programs().values()) {
            if (p.shell()) {
                continue;
            }
            List<ExternalCopies.Copy> found = copies.of(ExternalCopies.executable(p.command(), env));
            if (!found.isEmpty()) {
                out.put(p.name(), found);
            }
        }
        return out;
    }
}
