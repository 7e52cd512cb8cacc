package dev.baton.handover;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One recognition rule: a line that contains every literal of {@code contains} (checked on raw
 * bytes, the cheap pre-filter) and in which {@code regex} is found yields an event of {@code kind}.
 * The regex's named groups {@code own}, {@code release}, {@code version} and {@code next} give versions.
 * {@code fix} (optional) tells an operator what to do when the line is an error ({@code {program}}
 * is replaced by the program's name).
 */
public record Rule(EventKind kind, List<String> contains, Pattern regex, String fix) {
    public Rule {
        contains = List.copyOf(contains);
    }

    public Rule(EventKind kind, List<String> contains, Pattern regex) {
        this(kind, contains, regex, null);
    }

    /** True when the regex defines the named group (Java 17 has no public API to list them). */
    public static boolean definesGroup(Pattern p, String name) {
        try {
            // A back-reference compiles only when the group was defined before it.
            Pattern.compile("(?:" + p.pattern() + ")|\\k<" + name + ">", p.flags());
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }
}
