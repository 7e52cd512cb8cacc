package dev.baton.releases;

/** A poll failed; the message says why in plain words (it is shown in the API as is). */
final class FeedException extends Exception {
    FeedException(String message) {
        super(message, null, false, false);
    }
}
