package io.psd2token.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An OAuth 2.0 bearer access token issued by one bank (RFC 6749 §5.1, RFC 6750).
 *
 * <p>Immutable. {@link #toString()} never shows the token text, so the value is safe to log; only
 * {@link #value()} and {@link #authorizationHeader()} reveal it.
 */
public final class AccessToken {

    private final Bkcode bank;
    private final String value;
    private final String tokenType;
    private final Scope scope;
    private final Scope requestedScope;
    private final Duration lifetime;
    private final Instant expiresAt;

    /**
     * A token as the bank granted it for the scope asked for.
     *
     * @param bank the bank that issued it; it is worthless at any other bank
     * @param value the token text
     * @param tokenType the token type as the bank wrote it (always Bearer, case-insensitively)
     * @param scope the scope the bank granted
     * @param requestedScope the scope that was asked for: the cache keeps the token under it
     * @param lifetime the lifetime the bank announced (or the configured default)
     * @param expiresAt the wall-clock expiry, for display; the cache decides on a monotonic clock
     */
    public AccessToken(Bkcode bank, String value, String tokenType, Scope scope, Scope requestedScope,
            Duration lifetime, Instant expiresAt) {
        this.bank = Objects.requireNonNull(bank, "bank");
        this.value = Objects.requireNonNull(value, "value");
        this.tokenType = Objects.requireNonNull(tokenType, "tokenType");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.requestedScope = Objects.requireNonNull(requestedScope, "requestedScope");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /**
     * A token granted for exactly the scope asked for, e.g. in an application's own tests.
     *
     * @param bank the bank that issued it
     * @param value the token text
     * @param tokenType the token type as the bank wrote it
     * @param scope the scope asked for and granted
     * @param lifetime the lifetime the bank announced
     * @param expiresAt the wall-clock expiry, for display
     */
    public AccessToken(Bkcode bank, String value, String tokenType, Scope scope, Duration lifetime, Instant expiresAt) {
        this(bank, value, tokenType, scope, scope, lifetime, expiresAt);
    }

    /**
     * The bank that issued the token.
     *
     * @return the issuing bank's code; the token is worthless at any other bank
     */
    public Bkcode bank() {
        return bank;
    }

    /**
     * The token text. Handle with care: never log it.
     *
     * @return the raw token as the bank issued it, without the {@code Bearer} prefix
     */
    public String value() {
        return value;
    }

    /**
     * The value of an {@code Authorization} header carrying this token: {@code Bearer <token>}.
     *
     * @return the header value, ready to send (RFC 6750 §2.1); it reveals the token, so never log it
     */
    public String authorizationHeader() {
        return "Bearer " + value;
    }

    /**
     * The token type the bank wrote, e.g. {@code Bearer}.
     *
     * @return the {@code token_type} with the bank's own capitalisation; it equals {@code Bearer} ignoring case
     */
    public String tokenType() {
        return tokenType;
    }

    /**
     * The scope the bank granted, which may differ from the one asked for.
     *
     * @return the granted scope (RFC 6749 §5.1), or the requested one when the bank did not name any
     */
    public Scope scope() {
        return scope;
    }

    /**
     * The scope that was asked for, under which the cache keeps the token (the bank may grant more or less).
     *
     * @return the requested scope, normalised
     */
    public Scope requestedScope() {
        return requestedScope;
    }

    /**
     * The lifetime the bank announced, or the configured default when it announced none.
     *
     * @return the lifetime, counted from when the token request was sent; a huge {@code expires_in} is cut to
     *         the policy's maximum
     */
    public Duration lifetime() {
        return lifetime;
    }

    /**
     * When the token expires (wall clock, for display and monitoring).
     *
     * @return the wall-clock instant the request was sent plus the lifetime; the cache decides on a monotonic
     *         clock, not on this
     */
    public Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessToken other
                && bank.equals(other.bank)
                && value.equals(other.value)
                && tokenType.equals(other.tokenType)
                && scope.equals(other.scope)
                && expiresAt.equals(other.expiresAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bank, value, scope, expiresAt);
    }

    @Override
    public String toString() {
        return "AccessToken[bank=" + bank + ", type=" + tokenType + ", scope=" + scope
                + ", expiresAt=" + expiresAt + ", value=(" + value.length() + " characters, hidden)]";
    }
}
