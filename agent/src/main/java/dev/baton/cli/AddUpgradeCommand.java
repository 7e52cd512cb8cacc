package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.state.StateFile;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import dev.baton.config.EffectiveConfig;
import dev.baton.config.EngineGroupConfig;
import dev.baton.config.Names;
import dev.baton.config.ProgramConfig;
import dev.baton.config.TrustedPaths;
import dev.baton.handover.HandoverModel;
import dev.baton.handover.Version;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton add-upgrade GROUP VERSION BINARY [ARGS...]}: cosmovisor's {@code add-upgrade} habit
 * for a sequential group. Writes the new version's program as a drop-in (the newest version's
 * settings, the new binary and version), checks the whole config with the real loader (a config
 * that does not load is not left behind), reloads the agent, and prints the group's plan.
 */
@Command(name = "add-upgrade", description = "Register the next version of a sequential engine group (cosmovisor's "
        + "add-upgrade): write conf.d/NAME.toml with the newest version's settings and the new binary, check the "
        + "config, reload the agent and print the group's plan.", footer = {"", ExitCodes.HELP})
final class AddUpgradeCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "GROUP", description = "The engine group (a sequential one, such as profile cosmos).")
    String group;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The new version (x.y.z), newer than every version of the group.")
    String version;

    @Parameters(index = "2", paramLabel = "BINARY", description = "The new version's executable (absolute path, installed).")
    Path binary;

    @Parameters(index = "3..*", paramLabel = "ARG", description = "Its arguments (default: those of the newest version).")
    List<String> args = new ArrayList<>();

    @Option(names = "--name", paramLabel = "PROGRAM", description = "The new program's name (default: GROUP-VERSION).")
    String name;

    @Override
    int run(ApiClient api) throws CliException {
        Path mainFile = options.config.resolve();
        BatonConfig config = load(mainFile, "the config does not load as it is; fix it first");
        EngineGroupConfig gc = config.groups().get(group);
        if (gc == null) {
            throw new CliException(ExitCodes.NOT_FOUND, "no engine group '" + group + "' in " + mainFile + " (groups: "
                    + String.join(", ", config.groups().keySet()) + ")");
        }
        if (gc.profile().handover() != HandoverModel.SEQUENTIAL) {
            throw new CliException(ExitCodes.USAGE, "engine group '" + group + "' runs its versions side by side (profile '"
                    + gc.profile().name() + "'): add the new version as a program of its own and start it; add-upgrade is for"
                    + " sequential groups");
        }
        Version v = parseVersion();
        ProgramConfig newest = gc.programs().stream().map(config.programs()::get)
                .max(Comparator.comparing(p -> Version.parse(p.engine().version()))).orElseThrow();
        Version top = Version.parse(newest.engine().version());
        if (!v.isNewerThan(top)) {
            throw new CliException(ExitCodes.USAGE, "version " + version + " is not newer than " + newest.name() + " (" + top
                    + "): add-upgrade adds the next version of group '" + group + "'");
        }
        String program = name != null ? name : group + "-" + version;
        if (!Names.valid(program)) { // checked before it names a file: --name ../x would write outside conf.d
            throw new CliException(ExitCodes.USAGE, "'" + program + "' is not a program name (" + Names.RULE + "): choose one with --name");
        }
        if (config.programs().containsKey(program)) {
            throw new CliException(ExitCodes.USAGE, "a program '" + program + "' exists already: choose another with --name");
        }
        if (!binary.isAbsolute() || !Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new CliException(ExitCodes.USAGE, binary + " is not an executable file given by its absolute path: install the"
                    + " upgrade's binary first");
        }
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(args.isEmpty() && !newest.shell() ? newest.command().subList(1, newest.command().size()) : args);

        Path dropIn = ConfigLoader.dropInDir(mainFile).resolve(program + ".toml");
        write(dropIn, EffectiveConfig.upgradeDropIn(newest, program, command, version), mainFile);
        try {
            load(mainFile, "the new program does not fit the config, so " + dropIn + " was removed");
        } catch (CliException e) {
            delete(dropIn);
            throw e;
        }
        out().println("wrote " + dropIn);
        out().flush();
        ApiClient.Answer a = api.post("/v1/reload");
        if (!a.json().path("ok").asBoolean()) {
            out().println("the agent refused the reload (" + dropIn + " stays; fix it, then baton reload):");
            a.json().path("problems").forEach(p -> out().println("  " + p.asText()));
            out().flush();
            return ExitCodes.FAILED;
        }
        out().println("reloaded: " + ReloadCommand.summary(a.json()));
        printPlan(api.get("/v1/status").json());
        return ExitCodes.OK;
    }

    private Version parseVersion() throws CliException {
        try {
            return Version.parse(version);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "VERSION '" + version + "' is not a version x.y.z[-pre]: " + e.getMessage());
        }
    }

    private static BatonConfig load(Path mainFile, String why) throws CliException {
        try {
            return ConfigLoader.load(mainFile);
        } catch (ConfigException e) {
            StringBuilder sb = new StringBuilder(why + ":");
            e.problems().forEach(p -> sb.append("\n  ").append(p));
            throw new CliException(ExitCodes.FAILED, sb.toString());
        }
    }

    /**
     * Whole or not at all, readable as the main file is. Written as the state files are: a new
     * file (never a leftover temp file someone may hold open, never through a link) created with
     * the main file's mode, not the umask's, so no other user can open it for writing meanwhile
     * and add programs to the root agent's config later.
     */
    static void write(Path dropIn, String toml, Path mainFile) throws CliException {
        if (Files.exists(dropIn)) {
            throw new CliException(ExitCodes.USAGE, dropIn + " exists already: remove it or choose another name with --name");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(mainFile);
            TrustedPaths.createDirectories(dropIn.getParent());
            StateFile.writeAtomically(dropIn, ByteBuffer.wrap(toml.getBytes(StandardCharsets.UTF_8)), true,
                    PosixFilePermissions.asFileAttribute(mode));
            Files.setPosixFilePermissions(dropIn, mode); // the umask may have narrowed it
        } catch (IOException | UnsupportedOperationException e) {
            throw new CliException(ExitCodes.FAILED, "cannot write " + dropIn + ": " + e.getMessage());
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: the message names the file
        }
    }

    /** The versions in the order they run: the oldest not idled runs now, each next one at its upgrade. */
    private void printPlan(JsonNode status) {
        for (JsonNode g : status.path("groups")) {
            if (!g.path("name").asText().equals(group)) {
                continue;
            }
            List<JsonNode> engines = new ArrayList<>();
            g.path("engines").forEach(engines::add);
            engines.sort(Comparator.comparing(e -> Version.parse(e.path("version").asText("0.0.0"))));
            out().println("plan of group " + group + ":");
            String before = null; // the version before in the run order
            for (JsonNode e : engines) {
                String role = e.path("role").asText();
                String what;
                if (role.equals("IDLE") || role.equals("ERROR")) {
                    what = role.equals("IDLE") ? "done (halted at its upgrade)" : "in error";
                } else {
                    what = before == null ? "runs now" : "starts when " + before + " halts at its upgrade";
                    before = e.path("program").asText();
                }
                out().printf("  %-24s %-12s %s%n", e.path("program").asText(), e.path("version").asText(), what);
            }
            if (!g.path("error").isMissingNode() && !g.path("error").isNull()) {
                out().println("  error: " + g.path("error").asText());
            }
        }
        out().flush();
    }
}
