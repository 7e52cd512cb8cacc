package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    @Test
    void controlCharactersAreShownNotObeyed() {
        assertEquals("a\\x0db\\x1b[31mc\\x08\\x07\\x00\\x7f", TerminalText.escape("a\rb\u001b[31mc\b\u0007\u0000\u007f"));
        assertEquals("csi \\u009b2J", TerminalText.escape("csi \u009b2J"));
        assertEquals("new\\x0aline", TerminalText.escape("new\nline"));
    }

    @Test
    void plainTextTabsAndOtherLanguagesPassUnchanged() {
        String plain = "block 123\timported, 42 txs — ok ✓ ünïcödé";
        assertSame(plain, TerminalText.escape(plain));
    }
}
