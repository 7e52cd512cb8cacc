package dev.baton.logs;

/** Where to cut UTF-8 text so that no character is split. */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * {@code cut}, moved back (at most 3 bytes) to the start of the UTF-8 character that
     * {@code buf[off + cut]} continues, so that {@code buf[off, off + cut)} ends with whole
     * characters; unchanged where the bytes are not UTF-8. {@code buf[off + cut]} must exist.
     */
    public static int characterStart(byte[] buf, int off, int cut) {
        int at = cut;
        for (int back = 0; back < 3 && at > 0 && (buf[off + at] & 0xC0) == 0x80; back++) {
            at--; // a continuation byte: the character began before it
        }
        return (buf[off + at] & 0xC0) == 0xC0 ? at : cut;
    }
}
