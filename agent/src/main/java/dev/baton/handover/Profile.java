package dev.baton.handover;

import java.util.List;
import java.util.Objects;

/**
 * How baton reads one kind of engine: its compatibility rule, its recognition rules, tried in order
 * (the first rule whose regex is found wins), and how its versions take over from each other.
 */
public record Profile(String name, Compatibility compatibility, List<Rule> rules, HandoverModel handover) {
    public Profile {
        rules = List.copyOf(rules);
        handover = Objects.requireNonNullElse(handover, HandoverModel.SIDE_BY_SIDE);
    }

    public Profile(String name, Compatibility compatibility, List<Rule> rules) {
        this(name, compatibility, rules, HandoverModel.SIDE_BY_SIDE);
    }
}
