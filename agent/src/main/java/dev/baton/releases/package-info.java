/**
 * Release tracking: where a group's engine releases are published, and the newest one there.
 *
 * <h2>What it answers</h2>
 * "Is a release out for which no engine is installed and waiting here?" The handover knows the
 * chain's release only from its engines' lines, and the chain changes release only at the upgrade
 * itself; the place a vendor publishes its packages knows earlier. A group names that place in
 * {@code [groups.NAME.releases]} ({@link dev.baton.releases.ReleaseSource}): an apt repository's
 * {@code Packages} index and a package name, or a JSON release feed (GitHub's releases API). The
 * agent compares the newest version there with its engines' versions and roles (in
 * {@code AgentStatus.GroupStatus}: installed, ready); the API, the metrics, {@code baton status}
 * and the {@code BatonReleaseNotStaged} alert show the result, on a single host.
 *
 * <h2>Threads and timing</h2>
 * {@link dev.baton.releases.ReleasePoller} owns one thread; it polls each source at once, then
 * every interval (with jitter), backing off after failures; the event loop is never involved.
 * Results are published as an immutable map read by any thread. The poller and its HTTP client
 * exist only when some group names a source.
 *
 * <h2>Why it is safe</h2>
 * The agent runs as root and the documents come from the network: only http and https, no
 * credentials in URLs (they would be shown), a bounded body (16 MiB, counted as it arrives), a
 * bounded inflated index (128 MiB, streamed, never held), a deadline on connect, headers and body
 * together, a JSON nesting limit, and versions parsed by a bounded grammar. A document that is not
 * a feed is a plain-words problem in the API, never an exception elsewhere. A failed poll keeps
 * the last version read.
 *
 * <h2>What it cannot cover</h2>
 * An apt index's signature ({@code InRelease}) is not checked: a forged answer can only raise or
 * silence an alert, as baton installs nothing because of it. A release that is published does not
 * say when the chain will adopt it, and a vendor that
 * publishes nowhere machine-readable cannot be tracked. Versions are compared as semantic versions
 * (a Debian epoch and revision are dropped).
 */
package dev.baton.releases;
