package io.psd2token.bank;

import io.psd2token.error.SafeText;
import io.psd2token.error.UnknownBankException;
import java.util.regex.Pattern;

/**
 * A French five-digit bank code ("code établissement") naming one BPCE bank, e.g. {@code 13807}.
 *
 * <p>It is checked here, before it is ever placed into a host name or path: only ASCII digits pass, so
 * values such as {@code 17515.evil.example}, {@code ../} or {@code %2e} can never reach a URL.
 *
 * @param value exactly five ASCII digits
 */
public record Bkcode(String value) {

    private static final Pattern FIVE_DIGITS = Pattern.compile("[0-9]{5}");

    /**
     * Checks the code before it can reach a host name or a path.
     *
     * @param value the code as given, e.g. {@code 13807}
     * @throws UnknownBankException when {@code value} is not exactly five ASCII digits
     */
    public Bkcode {
        if (value == null || !FIVE_DIGITS.matcher(value).matches()) {
            throw new UnknownBankException("bank code " + quoted(value)
                    + " is not a bank code: expected exactly five digits, e.g. 13807");
        }
    }

    /**
     * Parses a bank code given by a caller or a PSU; see {@link #Bkcode(String)}.
     *
     * @param value the code as given, possibly hostile
     * @return the checked code, safe to place into a host name or path
     * @throws UnknownBankException when {@code value} is not exactly five ASCII digits
     */
    public static Bkcode of(String value) {
        return new Bkcode(value);
    }

    // Shows hostile input safely: bounded and with control characters escaped.
    private static String quoted(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        value.codePoints().limit(20).forEach(c -> {
            if (!SafeText.isSafe(c) || c == '"' || c == '\\') {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        if (value.codePointCount(0, value.length()) > 20) {
            out.append("...");
        }
        return out.append('"').toString();
    }

    @Override
    public String toString() {
        return value;
    }
}
