package dev.baton.config.migration;

/** How much an import finding matters, in the order a reader should see them. */
public enum Impact {
    /** A program (or the whole import) could not be imported as it was: the import failed. */
    FAILED,
    /** The program will behave differently under baton: a dropped listener, a lost restart rule, another kill mode. */
    BEHAVIOUR,
    /** Nothing a program sees changes (a log of the old supervisor, a socket baton replaces with its API). */
    COSMETIC;

    /** As printed before a finding. */
    public String label() {
        return switch (this) {
            case FAILED -> "error";
            case BEHAVIOUR -> "behaviour change";
            case COSMETIC -> "note";
        };
    }
}
