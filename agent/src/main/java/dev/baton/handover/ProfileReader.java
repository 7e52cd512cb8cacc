package dev.baton.handover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads one {@code [profiles.NAME]} table (already parsed to a Jackson tree) into a {@link Profile},
 * or into the list of everything wrong with it. The built-in profiles are TOML resources in the very
 * format an operator writes in baton.toml.
 */
public final class ProfileReader {

    /** Distinct literals per profile: the pre-filter reports them as bits of one long. */
    public static final int MAX_LITERALS = 64;
    private static final int MAX_LITERAL_LENGTH = 256;
    /** The keys of a [profiles.NAME] table and of each of its rules (docs/config-reference.md lists them). */
    public static final Set<String> PROFILE_KEYS = Set.of("compatibility", "description", "rules", "handover");
    public static final Set<String> RULE_KEYS = Set.of("event", "contains", "regex", "description", "fix");
    private static final String RESOURCES = "/dev/baton/handover/profiles/";
    private static final List<String> BUILT_IN = List.of("chainflip", "cosmos");

    private ProfileReader() {
    }

    /** A profile, or the problems that kept it from being one (then {@code profile} is null). */
    public record Result(Profile profile, List<ProfileProblem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * @param name the profile's name (the {@code NAME} of {@code [profiles.NAME]})
     * @param node the table's content
     */
    public static Result read(String name, JsonNode node) {
        String at = "profiles." + name;
        List<ProfileProblem> problems = new ArrayList<>();
        if (node == null || !node.isObject()) {
            return failed(problems, at, "expected a table with compatibility and rules");
        }
        rejectUnknownKeys(node, PROFILE_KEYS, at, problems);
        Compatibility compatibility = readCompatibility(node.get("compatibility"), at + ".compatibility", problems);
        List<Rule> rules = readRules(node.get("rules"), at + ".rules", problems);
        HandoverModel handover = readHandover(node.get("handover"), at + ".handover", problems);
        if (handover != HandoverModel.SEQUENTIAL && rules.stream().anyMatch(r -> r.kind() == EventKind.UPGRADE_NEEDED)) {
            problems.add(new ProfileProblem(at + ".handover", "a rule with event = \"upgrade_needed\" needs handover = \"sequential\""
                    + " (the next version starts only after the old one halted for the upgrade)"));
        }
        Set<String> literals = new LinkedHashSet<>();
        rules.forEach(r -> literals.addAll(r.contains()));
        if (literals.size() > MAX_LITERALS) {
            problems.add(new ProfileProblem(at + ".rules", "at most " + MAX_LITERALS
                    + " distinct 'contains' literals per profile, got " + literals.size()));
        }
        return problems.isEmpty()
                ? new Result(new Profile(name, compatibility, rules, handover), List.of())
                : new Result(null, List.copyOf(problems));
    }

    /** The built-in profile of that name ({@code chainflip}), if there is one. */
    public static Optional<Profile> builtIn(String name) {
        if (!BUILT_IN.contains(name)) {
            return Optional.empty();
        }
        try (InputStream in = ProfileReader.class.getResourceAsStream(RESOURCES + name + ".toml")) {
            if (in == null) {
                throw new IllegalStateException("built-in profile resource missing: " + name);
            }
            Result r = read(name, new TomlMapper().readTree(in).path("profiles").path(name));
            if (!r.ok()) {
                throw new IllegalStateException("built-in profile " + name + " is invalid: " + r.problems());
            }
            return Optional.of(r.profile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> builtInNames() {
        return BUILT_IN;
    }

    /** True when {@code p} is the built-in profile of its name, not a {@code [profiles.NAME]} that replaces it. */
    public static boolean isBuiltIn(Profile p) {
        Optional<Profile> b = builtIn(p.name());
        return b.isPresent() && b.get().compatibility() == p.compatibility() && b.get().handover() == p.handover()
                && b.get().rules().size() == p.rules().size()
                && java.util.stream.IntStream.range(0, p.rules().size()).allMatch(i -> sameRule(b.get().rules().get(i),
                p.rules().get(i)));
    }

    /** Rules compare by their regex's text and flags (a Pattern has no equality of its own). */
    private static boolean sameRule(Rule a, Rule b) {
        return a.kind() == b.kind() && a.contains().equals(b.contains()) && a.regex().pattern().equals(b.regex().pattern())
                && a.regex().flags() == b.regex().flags() && java.util.Objects.equals(a.fix(), b.fix());
    }

    private static Result failed(List<ProfileProblem> problems, String at, String message) {
        problems.add(new ProfileProblem(at, message));
        return new Result(null, List.copyOf(problems));
    }

    private static void rejectUnknownKeys(JsonNode node, Set<String> valid, String at, List<ProfileProblem> problems) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!valid.contains(key)) {
                problems.add(new ProfileProblem(at + "." + key,
                        "unknown key (valid keys: " + String.join(", ", new TreeSet<>(valid)) + ")"));
            }
        }
    }

    private static Compatibility readCompatibility(JsonNode node, String at, List<ProfileProblem> problems) {
        if (node == null || !node.isTextual()) {
            problems.add(new ProfileProblem(at, "required: one of " + Compatibility.validNames()));
            return null;
        }
        Compatibility c = Compatibility.fromConfig(node.asText());
        if (c == null) {
            problems.add(new ProfileProblem(at, "unknown compatibility '" + node.asText() + "' (valid: "
                    + Compatibility.validNames() + ")"));
        }
        return c;
    }

    private static HandoverModel readHandover(JsonNode node, String at, List<ProfileProblem> problems) {
        if (node == null) {
            return HandoverModel.SIDE_BY_SIDE;
        }
        HandoverModel m = node.isTextual() ? HandoverModel.fromConfig(node.asText()) : null;
        if (m == null) {
            problems.add(new ProfileProblem(at, "unknown handover model '" + node.asText() + "' (valid: \"side-by-side\" (default), \"sequential\")"));
        }
        return m;
    }

    private static List<Rule> readRules(JsonNode node, String at, List<ProfileProblem> problems) {
        List<Rule> rules = new ArrayList<>();
        if (node == null || !node.isArray() || node.isEmpty()) {
            problems.add(new ProfileProblem(at, "required: at least one [[rules]] table with event, contains and regex"));
            return rules;
        }
        for (int i = 0; i < node.size(); i++) {
            Rule r = readRule(node.get(i), at + "[" + i + "]", problems);
            if (r != null) {
                rules.add(r);
            }
        }
        return rules;
    }

    private static Rule readRule(JsonNode node, String at, List<ProfileProblem> problems) {
        if (!node.isObject()) {
            problems.add(new ProfileProblem(at, "expected a table with event, contains and regex"));
            return null;
        }
        int before = problems.size();
        rejectUnknownKeys(node, RULE_KEYS, at, problems);
        EventKind kind = readEvent(node.get("event"), at + ".event", problems);
        List<String> contains = readContains(node.get("contains"), at + ".contains", problems);
        Pattern regex = readRegex(node.get("regex"), kind, at + ".regex", problems);
        JsonNode fix = node.get("fix");
        if (fix != null && (!fix.isTextual() || fix.asText().isBlank())) {
            problems.add(new ProfileProblem(at + ".fix", "expected the operator's fix in words, e.g. \"install the new package, then baton start {program}\""));
        }
        if (problems.size() != before) {
            return null;
        }
        Rule rule = new Rule(kind, contains, regex, fix == null ? null : fix.asText());
        String ordinary = ordinaryLineMatched(rule);
        if (ordinary != null) {
            problems.add(new ProfileProblem(at + ".regex", "with its contains, it matches ordinary output such as '" + ordinary
                    + "', so every such line would be read as " + kind.configName() + ": put words only that line has in contains and regex"));
            return null;
        }
        return rule;
    }

    /**
     * Lines no rule should take for an event, plain and JSON: a rule that fires on one of them
     * (contains = [" "] with regex = '.', say) would read any output as its event. The first holds
     * every printable ASCII character, so any rule made of single characters fires on it; the others
     * are words no engine's event is about. Not an engine's usual lines: a rule may rightly match
     * those ("Processing block" as the sign of an active engine).
     */
    private static final List<String> ORDINARY_LINES = List.of(
            java.util.stream.IntStream.rangeClosed(0x20, 0x7e).collect(StringBuilder::new, StringBuilder::appendCodePoint,
                    StringBuilder::append).toString(),
            "The quick brown fox jumps over the lazy dog",
            "{\"timestamp\":\"2024-05-01T10:00:00.000000Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"The quick brown fox "
                    + "jumps over the lazy dog\"},\"target\":\"fox::jump\"}");

    /** The first ordinary line the rule recognises, as baton would read it; null when none. */
    private static String ordinaryLineMatched(Rule rule) {
        LineRecognizer alone = new LineRecognizer(new Profile("check", Compatibility.EXACT, List.of(rule)));
        return ORDINARY_LINES.stream().filter(line -> alone.recognize(line) != null).findFirst().orElse(null);
    }

    private static EventKind readEvent(JsonNode node, String at, List<ProfileProblem> problems) {
        if (node == null || !node.isTextual()) {
            problems.add(new ProfileProblem(at, "required: one of " + EventKind.validNames()));
            return null;
        }
        EventKind kind = EventKind.fromConfig(node.asText());
        if (kind == null) {
            problems.add(new ProfileProblem(at, "unknown event '" + node.asText() + "' (valid: " + EventKind.validNames() + ")"));
        }
        return kind;
    }

    private static List<String> readContains(JsonNode node, String at, List<ProfileProblem> problems) {
        List<String> literals = new ArrayList<>();
        if (node != null && node.isTextual()) {
            literals.add(node.asText());
        } else if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                if (node.get(i).isTextual()) {
                    literals.add(node.get(i).asText());
                } else {
                    problems.add(new ProfileProblem(at + "[" + i + "]", "expected a string"));
                }
            }
        }
        if (literals.isEmpty()) {
            problems.add(new ProfileProblem(at, "required: at least one literal text every matching line contains "
                    + "(the cheap pre-filter that keeps most lines away from the regex)"));
        }
        for (String s : literals) {
            if (s.isEmpty() || s.length() > MAX_LITERAL_LENGTH) {
                problems.add(new ProfileProblem(at, "literals must be 1-" + MAX_LITERAL_LENGTH + " characters long"));
            }
        }
        return literals;
    }

    private static Pattern readRegex(JsonNode node, EventKind kind, String at, List<ProfileProblem> problems) {
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            problems.add(new ProfileProblem(at, "required: a Java regex (named groups own, release, version, next give versions)"));
            return null;
        }
        Pattern p;
        try {
            p = Pattern.compile(node.asText());
        } catch (PatternSyntaxException e) {
            problems.add(new ProfileProblem(at, "invalid regex: " + e.getDescription() + " at index " + e.getIndex()
                    + " of '" + node.asText() + "'"));
            return null;
        }
        if (kind != null) {
            for (Set<String> anyOf : kind.requiredGroups()) {
                if (anyOf.stream().noneMatch(g -> Rule.definesGroup(p, g))) {
                    problems.add(new ProfileProblem(at, "a " + kind.configName() + " rule needs the named group "
                            + String.join(" or ", new TreeSet<>(anyOf).stream().map(g -> "(?<" + g + ">...)").toList())
                            + " in its regex"));
                }
            }
        }
        return p;
    }
}
