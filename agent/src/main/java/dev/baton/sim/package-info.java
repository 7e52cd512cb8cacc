/**
 * {@link dev.baton.sim.EngineSimulator}: a stand-in for a Chainflip engine (real JSON and plain lines,
 * the chain's release read from a file, {@code /health} while active, exit 0 when superseded) for
 * tests, the demo and benchmarks. JDK only.
 */
package dev.baton.sim;
