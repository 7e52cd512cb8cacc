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
 *     sensitive; also found JSON-escaped), then its regex is matched from the start of a JSON line's
 *     message (text an engine quotes from a peer or an RPC node comes after words of its own) and
 *     <em>searched</em> in a plain line (prefixes such as syslog's are allowed there); the
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
 *     the known release; the same rule for a rollback and a blip. An unconfirmed older release never
 *     changes the role of an engine compatible with the known release (the active one stays ACTIVE).</li>
 * <li>Roles follow the processes: ACTIVE, SYNCING and WAITING are a running process's word and end
 *     with it (UNKNOWN); a line read after its process ended changes no role. The supervisor tells
 *     why a process is down ({@link dev.baton.handover.ProcessDown}).</li>
 * <li>A successor still syncing at upgrade time is waited for: the old engine is idled only once a
 *     newer compatible engine runs and is ACTIVE or WAITING (HANDOVER_PENDING until then; a successor
 *     not started yet counts as on its way). One that is installed but does not run (stopped by an
 *     operator, being stopped, restarting, given up, in error) is SUCCESSOR_DOWN, an error naming the fix, until it
 *     runs and says it syncs, waits or works.</li>
 * <li>A process start of an engine the group holds (IDLE, ERROR) can only be an operator's
 *     (the supervisor asks first; a resume lifts the role before it starts): OPERATOR_OVERRIDE. The
 *     engine is then superseded only by its own word, and idled again when it says so.</li>
 * <li>An ACTIVE engine is superseded only by its own line; a non-active engine also by a known
 *     version below (and incompatible with) the group's release.</li>
 * <li>Rollback resumes the idled engine of the restored release and leaves the newer engines as they
 *     are: a newer engine waits by itself, and tells the chain the host is ready for the retried
 *     upgrade. An idled engine an operator stopped is not resumed (RESUME_REFUSED, an error).</li>
 * <li>After a restore, ACTIVE, SYNCING and WAITING become UNKNOWN (the processes are new), IDLE,
 *     ERROR and SUPERSEDED stay. A program declared with another version than saved starts fresh.</li>
 * <li>Events that repeat one in the history (same kind, engine and words, block hashes and numbers
 *     aside) are counted on the first ({@link dev.baton.handover.HandoverEvent#count()}); the
 *     decisive events of the last upgrade are kept in the saved history whatever follows.</li>
 * <li>A declared version is overridden by the version the engine prints (VERSION_LEARNED). A newer
 *     version named inside the same process lifetime is a runner's switch (ENGINE_SWITCHED): a handover.</li>
 * <li>A profile's {@link dev.baton.handover.HandoverModel} picks the model. SEQUENTIAL (the cosmovisor
 *     model, {@link dev.baton.handover.SequentialHandover}): only the oldest engine neither IDLE nor
 *     ERROR runs, the others are held WAITING; UPGRADE_NEEDED from that engine idles it (STOP whatever
 *     its {@code on_superseded}) and, once its process is down, starts the next one (Action.Start).
 *     The only durable state is the IDLE role: a restart before it was saved runs the old binary,
 *     which halts again at the same height. A held version that says DO_NOT_RESTART (started too
 *     early) keeps its place, with its restarts held and an error until the upgrade starts it.</li>
 * </ul>
 */
package dev.baton.handover;
