/**
 * What the importers of other supervisors' configurations share: the finding model (what an import
 * could not keep, triaged by {@link dev.baton.config.migration.Impact}), the result, the TOML writer,
 * and the check of the output with baton's own loader.
 *
 * <h2>The promise of an import</h2>
 * An imported program does what it did before: the same argv (split and expanded as the old
 * supervisor did, never re-interpreted by a shell), the same environment, the same restart and stop
 * rules. Where baton cannot do the same, the import says so, once, at the file and line of the
 * setting, and says what baton does instead. Findings are triaged: {@code FAILED} (the program or the
 * whole import could not be kept: exit 1), {@code BEHAVIOUR} (something will run differently: read
 * these), {@code COSMETIC} (nothing a program sees changes).
 *
 * <h2>Who writes what</h2>
 * {@code config.supervisord} reads supervisord's INI files, {@code config.systemd} reads unit files;
 * both build a tree of baton keys, which {@link dev.baton.config.migration.TomlText} renders and
 * {@link dev.baton.config.migration.ImportCheck} loads with the real {@code ConfigLoader}, so an
 * import that would not pass {@code baton check-config} says why.
 */
package dev.baton.config.migration;
