package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the running agent over its HTTP API. */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Spec
    CommandSpec spec;

    /** Does the work; returns the exit code. */
    abstract int run(ApiClient api) throws CliException;

    /** Run without picocli ({@link DirectCommands}): takes the positional arguments, or says they need picocli. */
    boolean takeNames(List<String> names) {
        return false;
    }

    @Override
    public final Integer call() {
        try {
            options.warnTo(err());
            Path socket = options.socket();
            return run(new ApiClient(options.baseUri(socket == null), socket, options::tokenFile));
        } catch (CliException e) {
            err().println("baton: " + e.printable());
            err().flush();
            return e.exitCode();
        }
    }

    /** Set when run without picocli ({@link DirectCommands}): print here instead. */
    private PrintWriter directOut;
    private PrintWriter directErr;

    void writers(PrintWriter out, PrintWriter err) {
        this.directOut = out;
        this.directErr = err;
    }

    PrintWriter out() {
        return directOut != null ? directOut : spec.commandLine().getOut();
    }

    PrintWriter err() {
        return directErr != null ? directErr : spec.commandLine().getErr();
    }

    /** Prints a response as it came (--json). */
    void printJson(ApiClient.Answer answer) {
        out().print(answer.body().endsWith("\n") ? answer.body() : answer.body() + "\n");
        out().flush();
    }

    /** Prints an action's result; exit 0 when every program got where it was sent, else 1. */
    int reportAction(ApiClient.Answer answer) {
        JsonNode r = answer.json();
        if (options.json) {
            printJson(answer);
        } else {
            out().println(r.path("message").asText());
            out().flush();
        }
        return r.path("ok").asBoolean() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static String programPath(String name) {
        return "/v1/programs/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    }
}
