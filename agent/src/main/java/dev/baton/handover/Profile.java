package dev.baton.handover;

import java.util.List;

/**
 * How baton reads one kind of engine: its compatibility rule and its recognition rules, tried in
 * order (the first rule whose regex is found wins).
 */
public record Profile(String name, Compatibility compatibility, List<Rule> rules) {
    public Profile {
        rules = List.copyOf(rules);
    }
}
