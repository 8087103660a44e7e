package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.token.AccessToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the cluster keeps for one (bank, scope): the token with what a node needs to use it, as one plain string.
 *
 * <p>The text is versioned and line-based (a line break can never be part of any field: the token is an RFC 6750
 * b64token, the scopes are RFC 6749 scope tokens):
 * <pre>
 * psd2-token-shared/1
 * 13807                    bank
 * pisp                     requested scope (the cache key's scope)
 * pisp                     granted scope
 * Bearer                   token type
 * 3F2A…                    SHA-256 fingerprint of the QWAC the token was obtained with, or "none"
 * 1764064800000            issued: when the request was sent, wall clock, epoch milliseconds
 * 1764068400000            expiry, wall clock, epoch milliseconds
 * eyJ…                     the token
 * </pre>
 * A plain string needs no marshaller on the server, and the cluster's conditional operations compare it with
 * {@code equals}: removing "exactly this token" is a compare-and-remove of this text.
 *
 * <p>{@link #parse} accepts only text a node of ours could have written: anything else (another version, a field
 * out of its rules, a token with characters a bearer token cannot hold) is refused, so a rogue or buggy writer can
 * never make a node send header lines or a foreign bank's token. {@link #toString()} never shows the token.
 */
record SharedEntry(Bkcode bank, Scope requestedScope, Scope grantedScope, String tokenType, String fingerprint,
        Instant issuedAt, Instant expiresAt, String token) {

    /** The first line; a later format gets another one, and older nodes ignore it. */
    static final String VERSION = "psd2-token-shared/1";
    /** The fingerprint written by a node that has not read its QWAC (see docs/cluster.md). */
    static final String NO_FINGERPRINT = "none";

    private static final int FIELDS = 9;
    private static final int MAX_TEXT = 16 * 1024;
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9A-F]{64}|" + NO_FINGERPRINT);
    private static final Pattern MILLIS = Pattern.compile("[0-9]{1,15}");

    SharedEntry {
        Objects.requireNonNull(bank, "bank");
        Objects.requireNonNull(requestedScope, "requestedScope");
        Objects.requireNonNull(grantedScope, "grantedScope");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (tokenType == null || !"bearer".equals(tokenType.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("token type is not Bearer");
        }
        if (fingerprint == null || !FINGERPRINT.matcher(fingerprint).matches()) {
            throw new IllegalArgumentException("fingerprint is neither 64 upper-case hex digits nor \"none\"");
        }
        if (token == null || !TokenResponseParser.B64TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException("token holds characters a bearer token may not contain");
        }
    }

    /** The entry of a token obtained with the QWAC of {@code fingerprint}. */
    static SharedEntry of(AccessToken token, String fingerprint) {
        return new SharedEntry(token.bank(), token.requestedScope(), token.scope(), token.tokenType(), fingerprint,
                token.expiresAt().minus(token.lifetime()), token.expiresAt(), token.value());
    }

    /** The cache key of the token of (bank, scope). */
    static String tokenKey(Bkcode bank, Scope scope) {
        return tokenPrefix(bank) + scope.value();
    }

    /** The prefix of every token key of the bank. */
    static String tokenPrefix(Bkcode bank) {
        return "token/" + bank.value() + "/";
    }

    /** The prefix of every token key. */
    static String tokenPrefix() {
        return "token/";
    }

    /** The cache key of the lease of (bank, scope): who is fetching its next token. */
    static String leaseKey(Bkcode bank, Scope scope) {
        return "lease/" + bank.value() + "/" + scope.value();
    }

    /** The lifetime the bank announced. */
    Duration lifetime() {
        return Duration.between(issuedAt, expiresAt);
    }

    /** The token as this node hands it out: equal to the one the requesting node got. */
    AccessToken accessToken() {
        return new AccessToken(bank, token, tokenType, grantedScope, requestedScope, lifetime(), expiresAt);
    }

    String encode() {
        return String.join("\n", VERSION, bank.value(), requestedScope.value(), grantedScope.value(), tokenType,
                fingerprint, Long.toString(issuedAt.toEpochMilli()), Long.toString(expiresAt.toEpochMilli()), token);
    }

    /**
     * Reads an entry.
     *
     * @throws IllegalArgumentException saying which rule the text breaks, never quoting it
     */
    static SharedEntry parse(String text) {
        if (text == null || text.length() > MAX_TEXT) {
            throw new IllegalArgumentException("not an entry of ours (missing or too long)");
        }
        String[] f = text.split("\n", -1);
        if (f.length != FIELDS || !VERSION.equals(f[0])) {
            throw new IllegalArgumentException("not an entry of format " + VERSION);
        }
        if (!MILLIS.matcher(f[6]).matches() || !MILLIS.matcher(f[7]).matches()) {
            throw new IllegalArgumentException("issued or expiry time is not a number of milliseconds");
        }
        try {
            return new SharedEntry(new Bkcode(f[1]), Scope.of(f[2]), Scope.of(f[3]), f[4], f[5],
                    Instant.ofEpochMilli(Long.parseLong(f[6])), Instant.ofEpochMilli(Long.parseLong(f[7])), f[8]);
        } catch (RuntimeException e) {
            // The bank code and scope checks say what was wrong without quoting more than a few characters.
            throw new IllegalArgumentException(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "SharedEntry[bank=" + bank + ", scope=" + requestedScope + ", issued=" + issuedAt + ", expires="
                + expiresAt + ", qwac=" + fingerprint.substring(0, Math.min(12, fingerprint.length()))
                + ", token=(" + token.length() + " characters, hidden)]";
    }
}
