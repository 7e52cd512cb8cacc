package dev.baton.handover;

/**
 * One thing wrong with a profile, phrased for an operator.
 *
 * @param keyPath dotted key path such as {@code profiles.cosmos.rules[2].regex}
 * @param message what is wrong and what is expected
 */
public record ProfileProblem(String keyPath, String message) {
    @Override
    public String toString() {
        return keyPath + ": " + message;
    }
}
