package dev.baton.hardening;

/**
 * Scale of the hardening suite: short and bounded by default (CI runs it on every change), long
 * under {@code mvn -B verify -Psoak} (sets {@code baton.soak=true}).
 */
final class Soak {
    static final boolean ON = Boolean.getBoolean("baton.soak");

    private Soak() {
    }

    /** {@code ci} by default, {@code soak} under -Psoak; a {@code baton.hardening.<name>} property overrides both. */
    static int count(String name, int ci, int soak) {
        return Integer.getInteger("baton.hardening." + name, ON ? soak : ci);
    }

    static long seed() {
        Long fixed = Long.getLong("baton.hardening.seed");
        return fixed != null ? fixed : System.nanoTime();
    }
}
