package io.psd2token.bank;

import java.util.Locale;

/**
 * Where the token request's parameters go. RFC 6749 wants a form body; the BPCE page shows them as a query
 * string. The form body is the default; a bank that needs the query string gets it by configuration.
 */
public enum RequestStyle {
    /** {@code application/x-www-form-urlencoded} body only (RFC 6749 §4.4.2). */
    FORM,
    /** Query parameters only, with an empty body. */
    QUERY,
    /** Both: the same parameters in the body and in the query string. */
    FORM_AND_QUERY;

    /**
     * True if the parameters go in the body.
     *
     * @return true for {@link #FORM} and {@link #FORM_AND_QUERY}
     */
    public boolean inBody() {
        return this != QUERY;
    }

    /**
     * True if the parameters go in the query string.
     *
     * @return true for {@link #QUERY} and {@link #FORM_AND_QUERY}
     */
    public boolean inQuery() {
        return this != FORM;
    }

    /**
     * Parses {@code form}, {@code query} or {@code form+query} (case-insensitive).
     *
     * @param text the configured value; surrounding spaces are ignored and {@code query+form} is accepted too
     * @return the style the text names
     * @throws IllegalArgumentException for anything else
     */
    public static RequestStyle parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "form" -> FORM;
            case "query" -> QUERY;
            case "form+query", "query+form" -> FORM_AND_QUERY;
            default -> throw new IllegalArgumentException("must be form, query or form+query, got \"" + text + "\"");
        };
    }
}
