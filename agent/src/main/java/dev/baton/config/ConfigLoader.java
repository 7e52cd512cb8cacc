package dev.baton.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Loads baton's configuration: the main file plus the drop-ins in {@code conf.d/} beside it,
 * validated, with defaults applied. Every problem found is reported at once in the one exception
 * this class throws.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_PATH = Path.of("/etc/baton/baton.toml");

    private ConfigLoader() {
    }

    /** Where the drop-ins of {@code mainFile} are: {@code conf.d/} beside it. */
    public static Path dropInDir(Path mainFile) {
        return mainFile.resolveSibling(ConfigFiles.DROP_IN_DIR);
    }

    /** The main file and every {@code conf.d/*.toml} beside it (name order). */
    public static BatonConfig load(Path mainFile) throws ConfigException {
        Problems problems = new Problems();
        List<Path> dropInFiles = guarded(mainFile, problems, () -> ConfigFiles.dropIns(mainFile, problems));
        problems.orderFiles(Collections.singletonList(mainFile)); // null-tolerant: a null path becomes a problem below
        problems.orderFiles(dropInFiles == null ? List.of() : dropInFiles);
        TomlDocument main = guarded(mainFile, problems, () -> ConfigFiles.read(mainFile, problems));
        List<TomlDocument> dropIns = dropInFiles == null ? null : dropInFiles.stream()
                .map(file -> guarded(file, problems, () -> ConfigFiles.read(file, problems)))
                .filter(document -> document != null)
                .toList();
        BatonConfig config = main == null || dropIns == null ? null
                : guarded(mainFile, problems, () -> ConfigAssembler.assemble(main, dropIns, problems));
        if (config != null) {
            guarded(mainFile, problems, () -> {
                ConfigFilePermissions.check(mainFile, dropInFiles, config, problems, ConfigFilePermissions.effectiveUid());
                return null;
            });
        }
        problems.throwIfAny();
        return config;
    }

    /** Where a client finds the agent: its state directory (socket, default token) and API settings. */
    public record AgentAddress(AgentSettings agent, ApiSettings api) {
    }

    /**
     * The main file's {@code [agent]} and {@code [api]} alone (drop-ins may not set them), checked as
     * {@link #load} checks them, the main file's trust included: what a client needs to reach the
     * agent when the whole config does not load. A drop-in being edited must not keep an operator's
     * {@code baton stop} from an agent that runs on the config it loaded before.
     */
    public static AgentAddress agentAddress(Path mainFile) throws ConfigException {
        Problems problems = new Problems();
        problems.orderFiles(Collections.singletonList(mainFile));
        TomlDocument main = guarded(mainFile, problems, () -> ConfigFiles.read(mainFile, problems));
        AgentAddress address = main == null || !main.valid() ? null : guarded(mainFile, problems, () -> new AgentAddress(
                AgentSection.read(main.root().table(Section.AGENT.key)), ApiSection.read(main.root().table(Section.API.key))));
        guarded(mainFile, problems, () -> {
            ConfigFilePermissions.check(mainFile, List.of(), null, problems, ConfigFilePermissions.effectiveUid());
            return null;
        });
        problems.throwIfAny();
        return address;
    }

    /** One document and no drop-ins (tests, and the API's "check this config"); {@code pretendFile} names it in messages. */
    public static BatonConfig parse(String toml, Path pretendFile) throws ConfigException {
        Problems problems = new Problems();
        BatonConfig config = guarded(pretendFile, problems,
                () -> ConfigAssembler.assemble(TomlDocument.parse(pretendFile, toml, problems), List.of(), problems));
        problems.throwIfAny();
        return config;
    }

    /** Turns a bug of ours (an unexpected exception) into a problem naming the file, never an escaping exception. */
    private static <T> T guarded(Path file, Problems problems, Supplier<T> step) {
        try {
            return step.get();
        } catch (RuntimeException | StackOverflowError e) {
            problems.add(new Origin(file, 0), "", "could not be read because of an unexpected " + e
                    + " (a bug in baton: please report it with this file)");
            return null;
        }
    }
}
