/**
 * What the agent keeps on disk between runs: the trust-checked state directory
 * ({@link dev.baton.agent.state.StateDirectory}), JSON state files written atomically with a last-good
 * copy ({@link dev.baton.agent.state.StateFile}), the writer thread that saves them off the event loop
 * ({@link dev.baton.agent.state.StateWriter}) and the programs' recorded instances and intent
 * ({@link dev.baton.agent.state.ProgramsState}). What the state means (handover, intent) stays with its owner
 * in {@code dev.baton.agent}.
 */
package dev.baton.agent.state;
