package dev.baton.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A best-effort walk over TOML text that notes on which line each key and table appears. It builds
 * no values (Jackson parses the document) and never throws: where it does not understand the text
 * it resumes on the next line. Paths are lists of keys; the n-th element of an array is the
 * segment {@code [n]}.
 */
final class TomlOutline {
    /** A key or table defined twice: the path and the lines of its first two definitions. */
    record Duplicate(List<String> path, int firstLine, int line) {
    }

    /** A decimal integer literal of 19 digits or more, with its key path and line. */
    record Literal(List<String> path, int line, String text) {
    }

    private static final int MAX_DEPTH = 64;
    /** Digits of a decimal integer from which a literal counts as "long" (19 or more). */
    private static final int LONG_DIGITS = 19;

    private final String text;
    private int pos;
    private int line = 1;
    private int depth;
    private final Map<List<String>, Integer> firstLines = new HashMap<>();
    private final Map<List<String>, List<Integer>> definitions = new LinkedHashMap<>();
    private final Map<List<String>, Integer> arrayLengths = new HashMap<>();
    private final List<Literal> longIntegers = new ArrayList<>();

    private TomlOutline(String text) {
        this.text = text;
    }

    static TomlOutline of(String text) {
        TomlOutline outline = new TomlOutline(text);
        outline.scan();
        return outline;
    }

    /** Parses a key path such as {@code programs."a.b".log} or {@code profiles[2].name}; null when it is none. */
    static List<String> parsePath(String path) {
        TomlOutline reader = new TomlOutline(path);
        try {
            List<String> parts = reader.keyPath(true);
            reader.skipBlanks();
            return reader.atEnd() ? parts : null;
        } catch (Unreadable e) {
            return null;
        }
    }

    /** The first line mentioning the path (a table header, a key, or a dotted key through it); 0 if none. */
    int line(List<String> path) {
        return firstLines.getOrDefault(path, 0);
    }

    /** The duplicate whose second definition comes first in the file, if any. */
    Optional<Duplicate> firstDuplicate() {
        return definitions.entrySet().stream()
                .filter(e -> e.getValue().size() > 1)
                .map(e -> new Duplicate(e.getKey(), e.getValue().get(0), e.getValue().get(1)))
                .min(Comparator.comparingInt(Duplicate::line));
    }

    List<Literal> longIntegers() {
        return List.copyOf(longIntegers);
    }

    private void scan() {
        List<String> table = List.of();
        while (!atEnd()) {
            try {
                table = statement(table);
            } catch (Unreadable e) {
                depth = 0; // resume on the next line
            }
            skipToNextLine();
        }
    }

    private List<String> statement(List<String> table) {
        skipBlanks();
        if (atEnd() || peekIs('\n') || peekIs('#')) {
            return table;
        }
        if (peekIs('[')) {
            boolean arrayTable = text.startsWith("[[", pos);
            pos += arrayTable ? 2 : 1;
            List<String> path = keyPath(false);
            skipBlanks();
            expect(arrayTable ? "]]" : "]");
            return arrayTable ? arrayTable(path) : table(path);
        }
        List<String> full = concat(table, keyPath(false));
        skipBlanks();
        expect("=");
        define(full);
        value(full);
        return table;
    }

    private List<String> table(List<String> path) {
        List<String> full = resolve(path);
        define(full);
        return full;
    }

    private List<String> arrayTable(List<String> path) {
        List<String> array = concat(resolve(path.subList(0, path.size() - 1)), List.of(path.get(path.size() - 1)));
        int index = arrayLengths.merge(array, 1, Integer::sum) - 1;
        List<String> full = concat(array, List.of(TomlSyntax.index(index)));
        mention(full);
        return full;
    }

    /** After {@code [[a]]}, {@code [a.b]} means the b of a's latest element: insert its index. */
    private List<String> resolve(List<String> path) {
        List<String> out = new ArrayList<>();
        for (String part : path) {
            out.add(part);
            Integer length = arrayLengths.get(out);
            if (length != null) {
                out.add(TomlSyntax.index(length - 1));
            }
        }
        return List.copyOf(out);
    }

    private void define(List<String> path) {
        mention(path);
        definitions.computeIfAbsent(path, p -> new ArrayList<>()).add(line);
    }

    private void mention(List<String> path) {
        for (int n = 1; n <= path.size(); n++) {
            firstLines.putIfAbsent(List.copyOf(path.subList(0, n)), line);
        }
    }

    private void value(List<String> path) {
        skipBlanks();
        if (peekIs('"') || peekIs('\'')) {
            skipString();
        } else if (peekIs('[') || peekIs('{')) {
            if (++depth > MAX_DEPTH) {
                throw Unreadable.INSTANCE;
            }
            if (peekIs('[')) {
                array(path);
            } else {
                inlineTable(path);
            }
            depth--;
        } else {
            scalar(path);
        }
    }

    private void array(List<String> path) {
        pos++;
        for (int n = 0; ; n++) {
            skipBlanksAndComments();
            if (peekIs(']')) {
                pos++;
                return;
            }
            value(concat(path, List.of(TomlSyntax.index(n))));
            if (!separator(']')) {
                return;
            }
        }
    }

    private void inlineTable(List<String> path) {
        pos++;
        while (true) {
            skipBlanksAndComments();
            if (peekIs('}')) {
                pos++;
                return;
            }
            List<String> full = concat(path, keyPath(false));
            skipBlanks();
            expect("=");
            define(full);
            value(full);
            if (!separator('}')) {
                return;
            }
        }
    }

    /** After an element: true on a comma (more may follow), false after the closing bracket. */
    private boolean separator(char close) {
        skipBlanksAndComments();
        if (peekIs(',')) {
            pos++;
            return true;
        }
        expect(String.valueOf(close));
        return false;
    }

    private void scalar(List<String> path) {
        int start = pos;
        while (!atEnd() && ",]}#\n".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        String literal = text.substring(start, pos).strip();
        if (literal.isEmpty()) {
            throw Unreadable.INSTANCE;
        }
        if (isLongDecimal(literal)) {
            longIntegers.add(new Literal(path, line, literal));
        }
    }

    /**
     * {@code [+-]?\\d(_?\\d){18,}} without a regex: java.util.regex recurses once per repetition
     * of a group, and a literal of a few thousand digits overflowed the stack.
     */
    static boolean isLongDecimal(String s) {
        int i = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
        int digits = 0;
        boolean afterUnderscore = true; // a literal may not start with '_'
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
                afterUnderscore = false;
            } else if (c == '_' && !afterUnderscore) {
                afterUnderscore = true;
            } else {
                return false;
            }
        }
        return digits >= LONG_DIGITS && !afterUnderscore;
    }

    private List<String> keyPath(boolean allowIndexes) {
        List<String> parts = new ArrayList<>();
        while (true) {
            skipBlanks();
            parts.add(keyPart());
            while (allowIndexes && peekIs('[')) {
                int close = text.indexOf(']', pos);
                if (close < 0 || !TomlSyntax.isIndex(text.substring(pos, close + 1))) {
                    throw Unreadable.INSTANCE;
                }
                parts.add(text.substring(pos, close + 1));
                pos = close + 1;
            }
            skipBlanks();
            if (!peekIs('.')) {
                return List.copyOf(parts);
            }
            pos++;
        }
    }

    private String keyPart() {
        if (peekIs('"') || peekIs('\'')) {
            int start = pos;
            skipString();
            String quoted = text.substring(start + 1, pos - 1);
            return text.charAt(start) == '"' ? unescape(quoted) : quoted;
        }
        int start = pos;
        while (!atEnd() && isBareKeyChar(text.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw Unreadable.INSTANCE;
        }
        return text.substring(start, pos);
    }

    private void skipString() {
        char quote = text.charAt(pos);
        String close = String.valueOf(quote).repeat(text.startsWith(String.valueOf(quote).repeat(3), pos) ? 3 : 1);
        boolean multiline = close.length() == 3;
        pos += close.length();
        while (!atEnd()) {
            char c = text.charAt(pos);
            if (c == '\\' && quote == '"') {
                advance();
                if (!atEnd()) {
                    advance();
                }
            } else if (c == '\n' && !multiline) {
                throw Unreadable.INSTANCE;
            } else if (text.startsWith(close, pos)) {
                pos += close.length();
                while (multiline && peekIs(quote)) { // """a""""" ends with two quotes of content
                    pos++;
                }
                return;
            } else {
                advance();
            }
        }
        throw Unreadable.INSTANCE;
    }

    /** Escapes of a quoted key; best effort (an odd escape keeps its character). */
    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            int hex = e == 'u' ? 4 : e == 'U' ? 8 : 0;
            if (hex > 0 && i + hex < s.length()) {
                try {
                    out.appendCodePoint(Integer.parseInt(s.substring(i + 1, i + 1 + hex), 16));
                    i += hex;
                    continue;
                } catch (RuntimeException notHex) {
                    // fall through: keep the letter
                }
            }
            out.append(switch (e) {
                case 'n' -> '\n';
                case 't' -> '\t';
                case 'r' -> '\r';
                case 'b' -> '\b';
                case 'f' -> '\f';
                default -> e;
            });
        }
        return out.toString();
    }

    private static boolean isBareKeyChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    private void skipBlanks() {
        while (!atEnd() && (peekIs(' ') || peekIs('\t') || peekIs('\r'))) {
            pos++;
        }
    }

    private void skipBlanksAndComments() {
        while (true) {
            skipBlanks();
            if (peekIs('#')) {
                while (!atEnd() && !peekIs('\n')) {
                    pos++;
                }
            } else if (peekIs('\n')) {
                advance();
            } else {
                return;
            }
        }
    }

    private void skipToNextLine() {
        while (!atEnd() && !peekIs('\n')) {
            pos++;
        }
        if (!atEnd()) {
            advance();
        }
    }

    private void expect(String token) {
        if (!text.startsWith(token, pos)) {
            throw Unreadable.INSTANCE;
        }
        pos += token.length();
    }

    private void advance() {
        if (text.charAt(pos++) == '\n') {
            line++;
        }
    }

    private boolean peekIs(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    /** Thrown to abandon the current statement; carries no stack trace, it is control flow. */
    private static final class Unreadable extends RuntimeException {
        static final Unreadable INSTANCE = new Unreadable();

        private Unreadable() {
            super(null, null, false, false);
        }
    }
}
