package dev.baton.cli;

import dev.baton.agent.Agent;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code baton run}: the agent itself, in the foreground (systemd, containers, a terminal). */
@Command(name = "run", description = "Run the agent in the foreground: start and supervise the configured programs.",
        footer = {"", "Exit codes: 0 all programs stopped cleanly, 1 some needed SIGKILL, 2 invalid configuration,",
                "3 state directory unusable or locked; with exit_on_fatal, the failed program's code."})
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        return new Agent(config.resolve()).run();
    }

    /**
     * The agent's own start line ({@code run}, {@code run --config FILE}, {@code run -c FILE},
     * {@code run --config=FILE}) runs the agent without building picocli's model of every command
     * (reflection over all their annotations: about a tenth of the agent's start time). Anything
     * else, help and mistakes included, returns null and goes through picocli as usual.
     */
    static Integer runDirectly(String[] args) {
        if (args.length == 0 || !args[0].equals("run")) {
            return null;
        }
        RunCommand run = new RunCommand();
        run.config = new ConfigOption();
        if (args.length == 1) {
            return run.call();
        }
        String file;
        if (args.length == 3 && (args[1].equals("--config") || args[1].equals("-c"))) {
            file = args[2];
        } else if (args.length == 2 && args[1].startsWith("--config=")) {
            file = args[1].substring("--config=".length());
        } else {
            return null;
        }
        if (file.isEmpty() || file.startsWith("-")) {
            return null;
        }
        try {
            run.config.file = java.nio.file.Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        return run.call();
    }
}
