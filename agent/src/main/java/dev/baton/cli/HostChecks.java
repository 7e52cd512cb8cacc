package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.baton.config.ApiSettings;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigProblem;
import dev.baton.config.KeyLocator;
import dev.baton.config.Origin;
import dev.baton.config.ProgramConfig;
import dev.baton.process.ChildEnvironment;
import dev.baton.process.os.HostLookup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a valid config still needs from this host, checked by {@code baton check-config}: every
 * program's command exists and is executable (searched in the PATH the program will get), its
 * working directory exists, its user and group are known, and the API port is free (or held by the
 * baton agent already running here: then a restart frees it). Each problem names the file and line
 * of the key, like the config's own problems. Config files are re-read only to locate keys.
 */
final class HostChecks {
    /** How long to wait for a running agent's health answer on a port that is taken. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final Map<Path, KeyLocator> locators = new HashMap<>();
    private final Map<Path, JsonNode> trees = new HashMap<>();
    private final Path mainFile;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    record Result(List<ConfigProblem> problems, List<String> notes) {
    }

    private HostChecks(Path mainFile) {
        this.mainFile = mainFile;
    }

    static Result run(BatonConfig config, Path mainFile, Map<String, String> agentEnvironment) {
        HostChecks checks = new HostChecks(mainFile);
        for (ProgramConfig p : config.programs().values()) {
            checks.program(p, agentEnvironment);
        }
        if (config.api().enabled()) {
            checks.apiPort(config.api());
        }
        return new Result(List.copyOf(checks.problems), List.copyOf(checks.notes));
    }

    private void program(ProgramConfig p, Map<String, String> agentEnvironment) {
        Map<String, String> env = ChildEnvironment.build(p, agentEnvironment, "check", "check");
        check(p, "command", HostLookup.commandProblem(p.command().get(0), env));
        check(p, "directory", HostLookup.directoryProblem(p.directory()));
        if (p.user() != null) {
            check(p, "user", HostLookup.userProblem(p.user()));
        }
        if (p.group() != null) {
            check(p, "group", HostLookup.groupProblem(p.group()));
        }
    }

    /** Reported where the key is set: in the program's table, else in [defaults] (main file). */
    private void check(ProgramConfig p, String key, String problem) {
        if (problem == null) {
            return;
        }
        if (!sets(p.origin().file(), "programs", p.name(), key) && sets(mainFile, "defaults", key)) {
            problems.add(new ConfigProblem(locate(new Origin(mainFile, 0), List.of("defaults", key)), "defaults." + key,
                    problem + " (for " + p.name() + ")"));
        } else {
            problems.add(new ConfigProblem(locate(p.origin(), List.of("programs", p.name(), key)),
                    "programs." + p.name() + "." + key, problem));
        }
    }

    private void apiPort(ApiSettings api) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(api.listen()), api.port()));
            return;
        } catch (IOException e) {
            if (runningAgentAnswers(api)) {
                notes.add("api.port " + api.port() + " is held by the baton agent running here (a restart frees it)");
                return;
            }
            Origin at = locate(new Origin(mainFile, 0), List.of("api", "port"));
            problems.add(new ConfigProblem(at, "api.port", "cannot listen on " + api.listen() + ":" + api.port() + " ("
                    + e.getMessage() + "): another program holds it (ss -ltnp 'sport = :" + api.port()
                    + "' shows which); choose another port or stop it"));
        }
    }

    /** The port's holder answers /healthz like a baton agent. */
    private static boolean runningAgentAnswers(ApiSettings api) {
        String host = api.listen().equals("0.0.0.0") || api.listen().equals("::") ? "127.0.0.1" : api.listen();
        String authority = host.contains(":") ? "[" + host + "]" : host;
        try (HttpLite.Response r = HttpLite.send("GET", URI.create("http://" + authority + ":" + api.port() + "/healthz"),
                Map.of(), (int) PROBE_TIMEOUT.toMillis())) {
            String body = new String(r.body().readNBytes(4096), StandardCharsets.UTF_8);
            return r.status() == 200 && body.contains("\"status\"") && body.contains("\"version\"");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether the file sets this key path (it loaded a moment ago; unreadable now: no). */
    private boolean sets(Path file, String... keys) {
        JsonNode node = file == null ? null : trees.computeIfAbsent(file, f -> {
            try {
                return new TomlMapper().readTree(f.toFile());
            } catch (IOException e) {
                return MissingNode.getInstance();
            }
        });
        for (String k : keys) {
            node = node == null ? null : node.get(k);
        }
        return node != null;
    }

    /** The key's line when the file still shows it (else the table's origin as loaded). */
    private Origin locate(Origin origin, List<String> keyPath) {
        if (origin.file() == null) {
            return origin;
        }
        KeyLocator locator = locators.computeIfAbsent(origin.file(), read());
        int line = locator == null ? 0 : locator.line(keyPath);
        return line > 0 ? new Origin(origin.file(), line) : origin;
    }

    private static Function<Path, KeyLocator> read() {
        return file -> {
            try {
                return KeyLocator.of(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return null;
            }
        };
    }
}
