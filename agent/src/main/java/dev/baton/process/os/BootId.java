package dev.baton.process.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's id of this boot. Pids and /proc start times (ticks since boot) mean nothing across
 * a reboot: a pid recorded before it may name a stranger's process now, even with the same start time.
 */
public final class BootId {
    private static final Path FILE = Path.of("/proc/sys/kernel/random/boot_id");
    private static volatile String current;

    private BootId() {
    }

    /** This boot's id, or "" when the kernel does not say (read once: it cannot change). */
    public static String current() {
        String id = current;
        if (id == null) {
            try {
                id = Files.readString(FILE, StandardCharsets.US_ASCII).trim();
            } catch (IOException e) {
                id = "";
            }
            current = id;
        }
        return id;
    }

    /** Whether {@code recorded} names another boot than this one (unknown on either side: not known to differ). */
    public static boolean isAnotherBoot(String recorded) {
        return recorded != null && !recorded.isEmpty() && !current().isEmpty() && !recorded.equals(current());
    }
}
