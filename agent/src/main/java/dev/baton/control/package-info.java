/**
 * The agent's face to the outside: what the HTTP API, the metrics, the cluster and the CLI may read
 * of a running agent and ask of it ({@link dev.baton.control.Control}), and the values that cross
 * that line: status snapshots, action and reload results, handover records, and the errors a
 * request can meet. The agent ({@code dev.baton.agent}) implements it; the callers see these types
 * and not the event loop, the supervisor or the state files behind them.
 */
package dev.baton.control;
