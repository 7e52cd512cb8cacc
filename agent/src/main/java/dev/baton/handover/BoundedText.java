package dev.baton.handover;

/**
 * A string whose reads are counted: a regex that backtracks without end on a hostile line runs out
 * of budget and gives up (the line is then not recognised) instead of stalling the log reader.
 */
final class BoundedText implements CharSequence {

    /** Thrown when the budget is spent; carries no stack trace (it is expected, and cheap). */
    static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() {
            super("regex read budget exceeded", null, false, false);
        }
    }

    private final String text;
    private long budget;

    BoundedText(String text, long budget) {
        this.text = text;
        this.budget = budget;
    }

    /** A budget generous for any sane regex: 64 reads per character plus a constant. */
    static BoundedText of(String text) {
        return new BoundedText(text, 64L * text.length() + 100_000);
    }

    @Override
    public char charAt(int index) {
        if (--budget < 0) {
            throw new BudgetExceeded();
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
