package dev.baton.cluster.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The shared file where every fake program's life is recorded. The test control writes "spawn" just
 * before it starts a process and "exit" just after it saw it exit, so each [spawn, exit] interval
 * contains the real process's life; the script itself adds "run"/"term" lines with its own clock.
 * Line: {@code kind host program wallMicros monoNanos token}.
 */
final class Ledger {
    record Event(String kind, String host, String program, long monoNanos, long token) {
    }

    private final Path file;

    Ledger(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized void record(String kind, String host, String program, long token) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        String line = kind + " " + host + " " + program + " " + micros + " " + System.nanoTime() + " " + token + "\n";
        try {
            Files.writeString(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The control's events (spawn/exit, monotonic clock), in time order. */
    synchronized List<Event> events() {
        try {
            List<Event> events = new ArrayList<>();
            if (!Files.exists(file)) {
                return events;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split(" ");
                if (f.length == 6 && (f[0].equals("spawn") || f[0].equals("exit"))) {
                    events.add(new Event(f[0], f[1], f[2], Long.parseLong(f[4]), Long.parseLong(f[5])));
                }
            }
            events.sort(Comparator.comparingLong(Event::monoNanos));
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The script's own lines ("run host program micros - token"), for checking what the program saw. */
    synchronized List<String> scriptLines() {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith("run ") || l.startsWith("term ")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The first instant at which two hosts ran {@code program} at once, if any: a sweep over the
     * conservative [spawn, exit] intervals (a spawn at the same nanosecond as an exit counts as overlap).
     */
    Optional<String> overlap(String program) {
        Set<String> running = new HashSet<>();
        for (Event e : events()) {
            if (!e.program().equals(program)) {
                continue;
            }
            if (e.kind().equals("spawn")) {
                running.add(e.host());
                if (running.size() > 1) {
                    return Optional.of("at " + e.monoNanos() + " " + e.host() + " started " + program
                            + " while " + running + " ran it");
                }
            } else {
                running.remove(e.host());
            }
        }
        return Optional.empty();
    }

    /** The fencing tokens the exclusive program was started with, in start order. */
    List<Long> spawnTokens(String program) {
        return events().stream().filter(e -> e.kind().equals("spawn") && e.program().equals(program))
                .map(Event::token).toList();
    }

    Optional<Event> last(String kind, String host, String program) {
        List<Event> all = events();
        for (int i = all.size() - 1; i >= 0; i--) {
            Event e = all.get(i);
            if (e.kind().equals(kind) && e.host().equals(host) && e.program().equals(program)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The first spawn of {@code program} by any host after {@code afterNanos}. */
    Optional<Event> firstSpawnAfter(String program, long afterNanos) {
        return events().stream()
                .filter(e -> e.kind().equals("spawn") && e.program().equals(program) && e.monoNanos() > afterNanos)
                .findFirst();
    }
}
