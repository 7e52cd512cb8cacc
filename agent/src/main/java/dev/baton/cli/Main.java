package dev.baton.cli;

import dev.baton.process.os.NativeStub;
import java.io.PrintWriter;
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
        System.exit(direct != null ? direct : new CommandLine(new Main()).execute(args));
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
