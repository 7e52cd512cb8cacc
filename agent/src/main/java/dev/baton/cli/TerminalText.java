package dev.baton.cli;

/**
 * Text that came from a program (or through the agent from one) made safe to print on a terminal:
 * control characters are shown, not obeyed. A carriage return, an escape sequence or a backspace
 * in a program's line could otherwise move the cursor, recolour or overwrite what is on screen, and
 * make a line look like the agent's own or hide one. Tabs pass through; every other C0 control,
 * DEL and the C1 controls (U+0080-U+009F, which some terminals obey: U+009B starts a sequence
 * like ESC [) are written as {@code \xHH} (C0, DEL) or a backslash-u escape of four hex digits (C1).
 */
final class TerminalText {
    private TerminalText() {
    }

    static String escape(String text) {
        int i = 0;
        while (i < text.length() && !isControl(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text; // the common case: nothing to escape, no copy
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            } else if (c < 0x80) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 && c != '\t' || c >= 0x7f && c <= 0x9f;
    }
}
