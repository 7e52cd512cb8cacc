/**
 * Program output: every line of every program, read without ever blocking the program.
 *
 * <h2>The path of one line</h2>
 * <ol>
 * <li>{@link dev.baton.logs.LogPipeline#attach} hands a program's pipe read ends to the reader
 * thread {@code baton-log-reader} ({@code ReaderLoop}): one epoll loop ({@code Epoll}, glibc bound
 * with jnr-ffi in {@code LinuxIo}) for all pipes, at most 256 KiB per ready pipe per round, read into
 * one reused buffer.</li>
 * <li>{@code LineFramer} (one per pipe) splits on '\n', drops one '\r' before it, carries partial
 * lines across reads, cuts lines longer than the limit (with a marker) and flushes a last line at
 * EOF; when the agent's stdout escapes control characters (prefixed mode) the same pass tells
 * which lines have none, so those are not scanned again. Lines shown as they are (no CR to drop,
 * none to cut and, in prefixed mode, no control character to escape: an engine's usual lines) go
 * on in runs of up to 256, one call per run.</li>
 * <li>{@link dev.baton.logs.ProgramLog} takes each line, in this order: its ring buffer
 * ({@code LineRing}, a byte arena bounded by lines and bytes), the agent's stdout
 * ({@link dev.baton.logs.AgentOutput}), its log file ({@code FileSink}), its followers
 * ({@link dev.baton.logs.Follower}), then the {@link dev.baton.logs.LineListener}s (the version
 * recogniser, a {@link dev.baton.logs.RunListener} that takes a run in one call). A run goes to the
 * ring, file and followers line by line, to stdout in one piece (raw: left where it was read;
 * prefixed: copied once, a prefix before each line), then to the listeners.</li>
 * <li>Stdout and files are fed through bounded spills ({@code LineSpool}). When one is full the
 * reader waits while its writer makes progress, so a reader of stdout (or a disk) that keeps up on
 * average loses nothing and the programs are held back through their pipes, as by any reader; after
 * the stall timeout without progress, whole lines are dropped with a count per program and one
 * notice each when output resumes (a log file also says how many lines its disk refused, once it
 * takes lines again). Their writers are woken once per burst, not per line; after a
 * read that found little (one write per line) the reader pauses 1 ms so the next read takes many.</li>
 * </ol>
 *
 * <h2>Threads (three at most)</h2>
 * {@code baton-log-reader} (reading, framing, ring, listeners), {@code baton-stdout} (writes the
 * agent's stdout), {@code baton-log-sinks} (writes log files and delivers followers; started when a
 * program first has a file or a follower).
 */
package dev.baton.logs;
