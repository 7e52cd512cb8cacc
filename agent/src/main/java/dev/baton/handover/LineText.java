package dev.baton.handover;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The text a rule is matched against: the JSON {@code fields.message} (or a flattened top-level
 * {@code message}) when the line is a JSON object, else the raw line; ANSI colour codes and stray
 * carriage returns removed either way. Called only for lines the byte pre-filter let through.
 *
 * <p>A message is matched from its first character ({@link Text#isMessage}): an engine's own message
 * starts with its format string, while text it quotes (a peer's or an RPC node's words inside an
 * error) comes after some words of its own. A JSON line that does not parse (cut at max_line_bytes,
 * or garbled on purpose) still has its message start: the raw text after its first
 * {@code "message":"} key (a quote inside a JSON string is escaped, so that key is the real one).
 */
final class LineText {

    /**
     * @param text      what the rule's regex is matched against
     * @param isMessage the text is an engine's message (matched from its start), not a raw line (searched)
     */
    record Text(String text, boolean isMessage) {
    }

    private static final byte[] MESSAGE_KEY = "\"message\":\"".getBytes(StandardCharsets.US_ASCII);

    /** Deeper JSON is refused (and the raw line used): tracing lines are 2 levels deep. */
    static final int MAX_JSON_DEPTH = 32;
    private static final byte ESC = 0x1b;

    private final JsonFactory json = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
            // Random keys must not fill a shared symbol table.
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();

    Text of(byte[] buf, int off, int len) {
        int end = off + len;
        int start = skipLeadingBlanks(buf, off, end);
        if (start < end && buf[start] == '{') {
            String message = jsonMessage(buf, start, end - start);
            if (message != null) {
                return new Text(clean(message), true);
            }
            int key = indexOf(buf, start, end, MESSAGE_KEY);
            if (key >= 0) { // broken JSON: its message as written, JSON escapes and all
                int from = key + MESSAGE_KEY.length;
                return new Text(clean(new String(buf, from, end - from, StandardCharsets.UTF_8)), true);
            }
        }
        return new Text(clean(new String(buf, off, len, StandardCharsets.UTF_8)), false);
    }

    private static int indexOf(byte[] buf, int from, int end, byte[] needle) {
        outer:
        for (int i = from; i <= end - needle.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (buf[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int skipLeadingBlanks(byte[] buf, int i, int end) {
        while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) {
            i++;
        }
        return i;
    }

    /**
     * The message, or null when the bytes are not one well-formed JSON object with a message: a
     * broken line (cut at the length limit, or garbled) is read raw, where the message text still is.
     */
    private String jsonMessage(byte[] buf, int off, int len) {
        try (JsonParser p = json.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String nested = null;
            String flattened = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("fields".equals(name) && value == JsonToken.START_OBJECT) {
                    String m = messageField(p);
                    nested = nested == null ? m : nested;
                } else if ("message".equals(name) && value == JsonToken.VALUE_STRING) {
                    flattened = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null; // cut short, or something after the object
            }
            return nested != null ? nested : flattened;
        } catch (IOException | RuntimeException e) {
            return null; // malformed or too deep: the caller falls back to the raw line
        }
    }

    /** Reads the whole {@code "fields": {...}} object; returns its message string, or null. */
    private static String messageField(JsonParser p) throws IOException {
        String message = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (message == null && "message".equals(name) && value == JsonToken.VALUE_STRING) {
                message = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return message;
    }

    /** Removes ANSI escape sequences (CSI such as colours, OSC, two-byte escapes) and carriage returns. */
    static String clean(String s) {
        if (s.indexOf(ESC) < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\r') {
                i++;
            } else if (c == ESC) {
                i = skipEscape(s, i + 1);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** @param i index just after ESC; returns the index after the whole sequence */
    private static int skipEscape(String s, int i) {
        int n = s.length();
        if (i >= n) {
            return n;
        }
        char kind = s.charAt(i);
        if (kind == '[') { // CSI: parameters, then one final byte @ to ~
            i++;
            while (i < n && (s.charAt(i) < 0x40 || s.charAt(i) > 0x7e)) {
                i++;
            }
            return Math.min(i + 1, n);
        }
        if (kind == ']') { // OSC: up to BEL or ESC \
            i++;
            while (i < n && s.charAt(i) != 0x07 && s.charAt(i) != ESC) {
                i++;
            }
            return i < n && s.charAt(i) == ESC ? Math.min(i + 2, n) : Math.min(i + 1, n);
        }
        return i + 1;
    }
}
