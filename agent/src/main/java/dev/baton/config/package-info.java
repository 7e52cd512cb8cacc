/**
 * baton's configuration: loading, validating, diffing and printing it. Pure: no threads, no state,
 * nothing but files read.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link dev.baton.config.ConfigLoader#load} reads {@code /etc/baton/baton.toml} and every
 *       {@code conf.d/*.toml} beside it (name order) into a {@link dev.baton.config.BatonConfig};
 *       {@link dev.baton.config.ConfigLoader#parse} reads one document (tests, the API's check).</li>
 *   <li>{@link dev.baton.config.ConfigDiff#between} tells a reload what to start, stop and restart.</li>
 *   <li>{@link dev.baton.config.EffectiveConfig#toToml} prints the config in use, defaults included.</li>
 * </ul>
 * Every key is described in {@code docs/config-reference.md}.
 *
 * <h2>How a file is read</h2>
 * Jackson's TOML module parses the text into a tree; this package validates and binds it. Jackson's
 * tree carries no line numbers, so {@link dev.baton.config.KeyLocator} walks the text once to note
 * the line of each key path (best effort, 0 when unknown). Nothing throws on a bad value: problems
 * go to a {@link dev.baton.config.Problems} collector, and the load ends with one
 * {@link dev.baton.config.ConfigException} listing them all, each as {@code file:line: key.path:
 * what was expected, got what}. No other exception leaves {@code load}/{@code parse}.
 *
 * <h2>Reading a new section</h2>
 * Sections use the reading layer, {@link dev.baton.config.ConfigNode}: one TOML table with its key
 * path, file and locator, and typed getters ({@code string}, {@code bool}, {@code integer(min, max)},
 * {@code number}, {@code duration}, {@code size}, {@code stringList}, {@code integerList},
 * {@code stringMap}, {@code choice}, {@code absolutePath}, {@code converted} for other forms) that
 * return the default when a key is absent, and record a problem and return the default when its
 * value is bad. {@code table(key)} (always a node, empty when absent), {@code tables(key)} (an array
 * of tables, paths {@code key[n]}) and {@code namedTables()} ({@code [section.NAME]}) walk down;
 * {@code rejectUnknownKeys(KEYS)} reports typos with the nearest valid key. To add a top-level
 * section: list it in {@code Section} (which also says whether drop-ins may hold it), write a
 * {@code XxxSection.read(ConfigNode)} like {@code AgentSection}, call it from
 * {@code ConfigAssembler}, and print it in {@code EffectiveConfig}.
 *
 * <h2>Classes</h2>
 * Loading: {@code ConfigLoader}, {@code ConfigFiles} (files and drop-ins), {@code TomlDocument}
 * (Jackson), {@code SyntaxErrors} (Jackson's messages in plain words), {@code ConfigAssembler}
 * (sections across files). Sections: {@code AgentSection}, {@code ApiSection},
 * {@code ProgramSection} with {@code CommandSetting}, {@code ShellWords}, {@code EngineSection},
 * {@code BackoffSection}, {@code LogSection}. Values: {@code Durations}, {@code Sizes},
 * {@code Names}, {@code Limits}, {@code NearestKey}. Text: {@code KeyLocator} over
 * {@code TomlOutline}, {@code TomlSyntax}, {@code TomlWriter}.
 */
package dev.baton.config;
