package dev.baton.handover;

/**
 * What one line said. A version is null when the rule has no such group or its text did not parse
 * as a version (the decision then treats the line as ambiguous where it needs that version).
 *
 * @param kind    the event
 * @param own     the engine's own version as the line states it
 * @param release the chain's current release as the line states it
 * @param next    a newer version the engine carries and will switch to (the 1.4+ runner), else null
 * @param message the text the rule matched (the JSON {@code fields.message}, or the cleaned raw line)
 * @param fix     the rule's fix for an operator ({@code {program}} to be replaced), or null
 */
public record Recognition(EventKind kind, Version own, Version release, Version next, String message, String fix) {

    public Recognition(EventKind kind, Version own, Version release, Version next, String message) {
        this(kind, own, release, next, message, null);
    }

    public Recognition(EventKind kind, Version own, Version release, String message) {
        this(kind, own, release, null, message);
    }
}
