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
}
