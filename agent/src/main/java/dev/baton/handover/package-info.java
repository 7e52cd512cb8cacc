/**
 * Version handover between engines of one group: baton's reason to exist.
 *
 * <h2>One line, from the pipe to a decision</h2>
 * <ol>
 * <li>{@link dev.baton.handover.LineRecognizer#recognize(byte[], int, int)} gets every line of an engine
 *     program. A {@link dev.baton.handover.LiteralScanner} looks for the rules' {@code contains} literals
 *     in the raw bytes (one skipping pass, ~0.1 µs for a 180-byte line); nearly every line stops here
 *     with null. Otherwise the line's text is taken (JSON {@code fields.message} via Jackson's streaming
 *     parser, nesting ≤ 32, or the raw line; ANSI codes and CRs removed) and the candidate rules'
 *     regexes run on a read budget. Out comes a {@link dev.baton.handover.Recognition}: an
 *     {@link dev.baton.handover.EventKind} and the versions the line names.</li>
 * <li>The supervisor's event loop hands it to the program's {@link dev.baton.handover.EngineGroup}
 *     ({@code onRecognition}), together with process starts and exits. The group updates roles and the
 *     chain's release ({@link dev.baton.handover.ReleaseTracker}) and returns a
 *     {@link dev.baton.handover.Decision}: {@link dev.baton.handover.Action}s (idle, resume, hold
 *     restarts) and {@link dev.baton.handover.HandoverEvent}s (kept in a bounded history).</li>
 * <li>The supervisor carries out the actions, logs the events, persists
 *     {@link dev.baton.handover.EngineGroup#snapshot()} and publishes {@link dev.baton.handover.GroupView}.</li>
 * </ol>
 *
 * <h2>Data, not code</h2>
 * Recognition rules live in {@link dev.baton.handover.Profile}s read by
 * {@link dev.baton.handover.ProfileReader} from TOML ({@code [profiles.NAME]} in baton.toml, or the
 * built-in {@code profiles/chainflip.toml} resource, in the same format).
 *
 * <h2>Decisions the brief left open</h2>
 * <ul>
 * <li>A rule applies only when <em>all</em> its {@code contains} literals are in the raw bytes (case
 *     sensitive; also found JSON-escaped), then its regex is <em>searched</em> (not anchored); the
 *     first matching rule in file order wins.</li>
 * <li>A JSON line must be one well-formed object; a broken one (cut at the length limit, garbled) is
 *     read raw. A well-formed object without {@code fields.message} uses a top-level {@code message},
 *     else the raw line.</li>
 * <li>The 1.4+ runner's "Running the old version X" and "Switching to the new version Y" are STARTED
 *     lines (own = X, resp. Y; {@code next} = Y for upgrade readiness): the runner hands over inside one
 *     process, baton only follows its version. "You need to update your CFE" is DO_NOT_RESTART.
 *     "Updating CFE version record" is not a rule (its versions are Rust Debug structs; readiness is
 *     already known from the WAITING lines).</li>
 * <li>The "incompatible ... at block" line without the WAITING sentence is a WAITING rule too: it says
 *     the same about the two versions (the engine then exits instead of waiting).</li>
 * <li>Confirmation (see {@link dev.baton.handover.ReleaseTracker}): a newer release is taken at once;
 *     an older one needs two engines, or one engine in two process lifetimes, and no active engine of
 *     the known release.</li>
 * <li>A successor still syncing at upgrade time is waited for: the old engine is idled only once a
 *     newer compatible engine is ACTIVE or WAITING (HANDOVER_PENDING until then).</li>
 * <li>An ACTIVE engine is superseded only by its own line; a non-active engine also by a known
 *     version below (and incompatible with) the group's release.</li>
 * <li>Rollback idles the engines compatible with the release rolled back from; if the release later
 *     moves forward again, the idled engine compatible with it is resumed (ENGINE_RESUMED) and takes
 *     over as in a normal upgrade.</li>
 * <li>After a restore, ACTIVE and SYNCING become UNKNOWN (the processes are new), IDLE, ERROR,
 *     WAITING and SUPERSEDED stay. A program declared with another version than saved starts fresh.</li>
 * <li>A declared version is overridden by the version the engine prints (VERSION_LEARNED).</li>
 * </ul>
 */
package dev.baton.handover;
