package dev.baton.cli;

import dev.baton.process.os.NativeStub;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code baton} command: one launcher, subcommands for the agent and for operators. */
@Command(name = "baton", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "Supervises programs and hands over between engine versions on its own.",
        subcommands = {RunCommand.class, CheckConfigCommand.class, DemoCommand.class, ImportSupervisordCommand.class, ImportSystemdCommand.class,
                StatusCommand.class, ProgramActionCommand.Start.class, ProgramActionCommand.Stop.class,
                ProgramActionCommand.Restart.class, SignalCommand.class, TailCommand.class, HistoryCommand.class,
                ReloadCommand.class, AddUpgradeCommand.class, FleetCommand.class, FailoverCommand.class, PidCommand.class, VersionCommand.class,
                ShutdownCommand.class, ReexecCommand.class, RereadCommand.class, UpdateCommand.class, MaintailCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] given) {
        NativeStub.extractPrivately(given.length > 0 && (given[0].equals("run") || given[0].equals("demo")));
        String[] args = TailCommand.supervisorctlLines(given);
        Integer direct = RunCommand.runDirectly(args);
        if (direct == null) {
            direct = DirectCommands.run(args, new PrintWriter(System.out), new PrintWriter(System.err));
        }
        System.exit(direct != null ? direct : cli(args).execute(args));
    }

    /**
     * The command line, with stdout in UTF-8 for the import commands: the TOML they print is UTF-8 by
     * definition, and picocli's stdout follows the locale (US-ASCII under LANG=C or an empty
     * environment, where every other character became '?': an imported {@code café} argument ran as
     * {@code caf?}).
     */
    static CommandLine cli(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        if (args.length > 0 && (args[0].equals("import-supervisord") || args[0].equals("import-systemd"))) {
            cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        }
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The agent's version, from the jar manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        public static String get() {
            String v = Main.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }

        @Override
        public String[] getVersion() {
            return new String[] {"baton " + get()};
        }
    }
}
