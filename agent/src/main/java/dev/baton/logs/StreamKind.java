package dev.baton.logs;

/** Which pipe of a program a line came from. */
public enum StreamKind {
    STDOUT, STDERR
}
