package dev.baton.control;

import java.util.List;

/**
 * The outcome of a reload or a config check.
 *
 * @param ok        the config is valid (and, for a reload, was applied)
 * @param problems  each problem with file, line and key, when not ok
 * @param added     programs added (reload only)
 * @param removed   programs removed
 * @param changed   programs restarted with new settings
 * @param unchanged programs not touched
 * @param notApplied settings the files changed that a reload cannot apply (the agent's own, read at its start)
 */
public record ReloadResult(boolean ok, List<String> problems, List<String> added, List<String> removed,
                           List<String> changed, List<String> unchanged, List<String> notApplied) {
    public ReloadResult(boolean ok, List<String> problems, List<String> added, List<String> removed,
                        List<String> changed, List<String> unchanged) {
        this(ok, problems, added, removed, changed, unchanged, List.of());
    }

    public static ReloadResult invalid(List<String> problems) {
        return new ReloadResult(false, problems, List.of(), List.of(), List.of(), List.of());
    }
}
