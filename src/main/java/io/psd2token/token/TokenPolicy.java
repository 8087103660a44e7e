package io.psd2token.token;

import java.time.Duration;
import java.util.Objects;

/**
 * How long tokens are trusted and how long callers wait for one.
 *
 * @param defaultLifetime used when the bank's response has no {@code expires_in}
 * @param maxLifetime longer lifetimes a bank announces are cut to this, so a bogus huge {@code expires_in}
 *        cannot pin a token in the cache for years
 * @param expiryMargin a token is treated as expired this long before its announced expiry, covering the
 *        network delay of the call that will carry it; never more than a fifth of the token's lifetime,
 *        so short-lived tokens stay usable
 * @param waitTimeout how long a caller waits for another caller's request for the same token
 */
public record TokenPolicy(Duration defaultLifetime, Duration maxLifetime, Duration expiryMargin, Duration waitTimeout) {

    /** Sensible production values: 10 min default lifetime, 24 h cap, 15 s margin, 30 s wait. */
    public static final TokenPolicy DEFAULT = new TokenPolicy(
            Duration.ofMinutes(10), Duration.ofHours(24), Duration.ofSeconds(15), Duration.ofSeconds(30));

    /** Checks that every duration is positive (the margin may be zero). */
    public TokenPolicy {
        requirePositive(defaultLifetime, "defaultLifetime");
        requirePositive(maxLifetime, "maxLifetime");
        requirePositive(waitTimeout, "waitTimeout");
        Objects.requireNonNull(expiryMargin, "expiryMargin");
        if (expiryMargin.isNegative()) {
            throw new IllegalArgumentException("expiryMargin must not be negative");
        }
    }

    /** The margin applied to a token of the given lifetime. */
    public Duration marginFor(Duration lifetime) {
        Duration fifth = lifetime.dividedBy(5);
        return expiryMargin.compareTo(fifth) < 0 ? expiryMargin : fifth;
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
