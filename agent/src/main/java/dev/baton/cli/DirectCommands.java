package dev.baton.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's common calls, {@code status [NAME...]} and {@code start|stop|restart NAME...} with
 * {@code --url}, {@code --socket}, {@code --token-file} and {@code --json}, run without building picocli's model of
 * every command (its reflection is most of a client's start: picocli's classes are too old for the
 * CDS archive). Anything else, help and mistakes included, returns null and goes through picocli,
 * which explains it.
 */
final class DirectCommands {
    private DirectCommands() {
    }

    static Integer run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0) {
            return null;
        }
        ClientCommand command = switch (args[0]) {
            case "status" -> new StatusCommand();
            case "start" -> new ProgramActionCommand.Start();
            case "stop" -> new ProgramActionCommand.Stop();
            case "restart" -> new ProgramActionCommand.Restart();
            default -> null;
        };
        if (command == null) {
            return null;
        }
        ClientOptions options = new ClientOptions();
        options.config = new ConfigOption();
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            boolean valueFollows = i + 1 < args.length && !args[i + 1].startsWith("-");
            if (arg.equals("--json")) {
                options.json = true;
            } else if (arg.equals("--url") && valueFollows) {
                options.url = args[++i];
            } else if (arg.startsWith("--url=")) {
                options.url = arg.substring("--url=".length());
            } else if (arg.equals("--token-file") && valueFollows) {
                options.tokenFile = Path.of(args[++i]);
            } else if (arg.startsWith("--token-file=")) {
                options.tokenFile = Path.of(arg.substring("--token-file=".length()));
            } else if (arg.equals("--socket") && valueFollows) {
                options.socket = Path.of(args[++i]);
            } else if (arg.startsWith("--socket=")) {
                options.socket = Path.of(arg.substring("--socket=".length()));
            } else if (!arg.startsWith("-")) {
                names.add(arg);
            } else {
                return null;
            }
        }
        if (!command.takeNames(names)) {
            return null;
        }
        command.options = options;
        command.writers(out, err);
        return command.call();
    }
}
