package dev.baton.handover;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Reads one line of an engine's output and says what it means under a profile, or returns null
 * (the answer for nearly every line, found cheaply).
 *
 * <p>Cost model: the rules' {@code contains} literals are searched in the raw bytes first, in one
 * skipping pass; only when every literal of some rule is there is the line decoded (JSON parsed with
 * Jackson's streaming parser, nesting bounded) and that rule's regex run, on a read budget. A rule
 * applies only when all of its literals occur in the raw bytes (as written, or JSON-escaped), and
 * must match a JSON message from its start ({@link LineText}: what an engine quotes is not what it says).
 * Immutable and thread-safe; never throws.
 */
public final class LineRecognizer {

    private static final int MAX_MESSAGE_CHARS = 1000;

    private final Profile profile;
    private final LiteralScanner scanner;
    private final CompiledRule[] rules;
    private final LineText lineText = new LineText();

    public LineRecognizer(Profile profile) {
        this.profile = profile;
        Map<String, Integer> literalIds = new LinkedHashMap<>();
        List<CompiledRule> compiled = new ArrayList<>();
        for (Rule rule : profile.rules()) {
            long mask = 0;
            for (String literal : rule.contains()) {
                int id = literalIds.computeIfAbsent(literal, l -> literalIds.size());
                if (id >= ProfileReader.MAX_LITERALS) {
                    throw new IllegalArgumentException("more than " + ProfileReader.MAX_LITERALS + " literals in profile " + profile.name());
                }
                mask |= 1L << id;
            }
            compiled.add(new CompiledRule(rule, mask));
        }
        this.rules = compiled.toArray(new CompiledRule[0]);
        List<byte[]> needles = new ArrayList<>();
        List<Long> bits = new ArrayList<>();
        literalIds.forEach((literal, id) -> {
            byte[] plain = literal.getBytes(StandardCharsets.UTF_8);
            needles.add(plain);
            bits.add(1L << id);
            byte[] escaped = jsonEscaped(literal).getBytes(StandardCharsets.UTF_8);
            if (escaped.length != plain.length) { // inside a JSON string the literal reads escaped
                needles.add(escaped);
                bits.add(1L << id);
            }
        });
        this.scanner = new LiteralScanner(needles, bits.stream().mapToLong(Long::longValue).toArray());
    }

    public Profile profile() {
        return profile;
    }

    /**
     * @return what the line says, or null when no rule matches (or the arguments are out of range)
     */
    public Recognition recognize(byte[] buf, int off, int len) {
        try {
            if (buf == null || off < 0 || len <= 0 || off > buf.length - len) {
                return null;
            }
            long found = scanner.scan(buf, off, len);
            if (found == 0) {
                return null;
            }
            LineText.Text text = null;
            for (CompiledRule rule : rules) {
                if ((rule.literalMask & found) == rule.literalMask) {
                    if (text == null) {
                        text = lineText.of(buf, off, len);
                    }
                    Recognition r = rule.apply(text);
                    if (r != null) {
                        return r;
                    }
                }
            }
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            // A hostile line (regex budget, deep recursion in a user's regex) is just not recognised.
            return null;
        }
    }

    /** Convenience for tests and tools: the line's UTF-8 bytes. */
    public Recognition recognize(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return recognize(b, 0, b.length);
    }

    private static String jsonEscaped(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A rule with its literal bits and which version groups its regex defines. */
    private static final class CompiledRule {
        final Rule rule;
        final long literalMask;
        final boolean hasOwn;
        final boolean hasVersion;
        final boolean hasRelease;
        final boolean hasNext;

        CompiledRule(Rule rule, long literalMask) {
            this.rule = rule;
            this.literalMask = literalMask;
            this.hasOwn = Rule.definesGroup(rule.regex(), "own");
            this.hasVersion = Rule.definesGroup(rule.regex(), "version");
            this.hasRelease = Rule.definesGroup(rule.regex(), "release");
            this.hasNext = Rule.definesGroup(rule.regex(), "next");
        }

        Recognition apply(LineText.Text line) {
            String text = line.text();
            Matcher m = rule.regex().matcher(BoundedText.of(text));
            if (!(line.isMessage() ? m.lookingAt() : m.find())) {
                return null; // in a message, text after its start is what the engine quotes, not what it says
            }
            Version own = hasOwn ? Version.tryParse(m.group("own")) : null;
            if (own == null && hasVersion) {
                own = Version.tryParse(m.group("version"));
            }
            Version release = hasRelease ? Version.tryParse(m.group("release")) : null;
            Version next = hasNext ? Version.tryParse(m.group("next")) : null;
            String message = text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) + "..." : text;
            return new Recognition(rule.kind(), own, release, next, message, rule.fix());
        }
    }
}
