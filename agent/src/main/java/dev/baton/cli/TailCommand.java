package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton tail [-f] [-n N|-N] NAME [stdout|stderr]}: stdout lines to stdout, stderr lines to stderr, their
 * control characters shown as {@code \xHH} ({@link TerminalText}); {@code --json} gives them as sent.
 */
@Command(name = "tail", description = "Print a program's last lines (its stdout lines on stdout, its stderr lines on "
        + "stderr); with -f, keep printing new lines until interrupted.",
        footer = {"", "Control characters in the lines (carriage return, escape sequences...) are shown as \\xHH, so a "
                + "program cannot rewrite the screen.",
                "With --json: the API's document, or with -f one JSON line per log line (the text as the program wrote it).",
                "With -f, exit 1 when the agent ends the stream (it stopped, or the program left the config).",
                ExitCodes.HELP})
final class TailCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The program.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "STREAM", description = "Only this stream: stdout or stderr.")
    String stream;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "How many of the last lines (default: 10 with -f, "
            + "else 100).")
    Integer lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines.")
    boolean follow;

    @Override
    int run(ApiClient api) throws CliException {
        int n = lines != null ? lines : follow ? 10 : 100;
        if (n < 0) {
            throw new CliException(ExitCodes.USAGE, "-n must not be negative");
        }
        if (stream != null && !stream.equals("stdout") && !stream.equals("stderr")) {
            throw new CliException(ExitCodes.USAGE, "the stream is stdout or stderr, not " + stream);
        }
        return follow ? follow(api, n) : once(api, n);
    }

    /**
     * supervisorctl's {@code tail -1600 NAME} (and {@code maintail -1600}): {@code -N} means
     * {@code -n N} (picocli would take it for an unknown option).
     */
    static String[] supervisorctlLines(String[] args) {
        if (args.length == 0 || !args[0].equals("tail") && !args[0].equals("maintail")) {
            return args;
        }
        String[] out = args.clone();
        for (int i = 1; i < out.length; i++) {
            if (out[i].matches("-[0-9]{1,9}")) {
                out[i] = "--lines=" + out[i].substring(1);
            }
        }
        return out;
    }

    private String streamQuery() {
        return stream == null ? "" : "&stream=" + stream;
    }

    private int once(ApiClient api, int n) throws CliException {
        ApiClient.Answer a = api.get(programPath(name) + "/log?lines=" + n + streamQuery());
        if (options.json) {
            printJson(a);
        } else {
            a.json().path("lines").forEach(this::print);
            flush();
        }
        return ExitCodes.OK;
    }

    /** Reads server-sent events: {@code event:}, {@code data:} lines, a blank line ends one. */
    private int follow(ApiClient api, int n) throws CliException {
        try (Stream<String> stream = api.lines(programPath(name) + "/log/follow?lines=" + n + streamQuery())) {
            Iterator<String> it = stream.iterator();
            String event = "message";
            StringBuilder data = new StringBuilder();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    dispatch(event, data.toString());
                    event = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
                }
            }
        } catch (UncheckedIOException e) {
            // the connection broke: reported below like an orderly end
        }
        err().println("baton: the log stream ended (the agent stopped, or " + name + " left the config)");
        err().flush();
        return ExitCodes.FAILED;
    }

    private void dispatch(String event, String data) {
        if (data.isEmpty()) {
            return;
        }
        JsonNode node = JsonTree.parse(data);
        if (node == null) {
            err().println("baton: unreadable event from the agent: " + TerminalText.escape(data));
        } else if (event.equals("line")) {
            if (options.json) {
                out().println(data);
            } else {
                print(node);
            }
        } else if (event.equals("dropped")) {
            err().println("baton: " + node.path("dropped").asLong() + " line(s) lost so far (this reader was too slow)");
        }
        flush();
    }

    private void print(JsonNode line) {
        PrintWriter w = "stderr".equals(line.path("stream").asText()) ? err() : out();
        w.println(TerminalText.escape(line.path("text").asText()));
    }

    private void flush() {
        out().flush();
        err().flush();
    }
}
