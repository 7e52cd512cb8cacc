package dev.baton.cluster;

/**
 * How a hook or check command ended.
 *
 * @param succeeded exited 0 within its timeout
 * @param outcome   in words: "exit 0", "exit 3", "timed out after PT10S (killed)", "cannot be started: ..."
 */
public record HookResult(boolean succeeded, String outcome) {
}
