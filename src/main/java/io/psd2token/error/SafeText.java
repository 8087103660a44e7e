package io.psd2token.error;

/**
 * Text that came from outside (a bank's answer, a certificate, a caller's input) made safe to put into an
 * error message or a log line: bounded in length, and without the characters that can forge or hide log
 * content.
 *
 * <p>Dropped: every control character (Unicode category Cc, which includes CR, LF and NEL U+0085), every format
 * character (Cf: bidirectional overrides such as U+202E, zero-width characters), and the line and paragraph
 * separators U+2028 and U+2029 (Zl, Zp). Used by every message of the library that quotes such text.
 */
public final class SafeText {

    private SafeText() {
    }

    /**
     * The text without the characters above, cut to {@code max} code points with {@code ...} appended when cut.
     *
     * @param text the untrusted text; {@code null} gives {@code "null"}
     * @param max how many code points to keep at most
     * @return printable text, safe for one log line
     */
    public static String of(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 3);
        int kept = 0;
        int i = 0;
        while (i < text.length()) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (!isSafe(c)) {
                continue;
            }
            if (kept == max) {
                return out.append("...").toString();
            }
            out.appendCodePoint(c);
            kept++;
        }
        return out.toString();
    }

    /**
     * Whether one code point may appear in a log line as it is.
     *
     * @param codePoint the character
     * @return false for control, format, line-separator and paragraph-separator characters
     */
    public static boolean isSafe(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.UNASSIGNED, Character.SURROGATE, Character.PRIVATE_USE -> false;
            default -> true;
        };
    }
}
