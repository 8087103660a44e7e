package io.psd2token.token;

import java.time.Duration;
import java.util.Objects;

/**
 * When tokens are refreshed and dropped, and how long callers wait.
 *
 * <p>A token of lifetime {@code L} (counted from when its request was sent) is <b>fresh</b> until
 * {@code L - refreshSkewFor(L)}: it is handed out with no further check. It is then <b>stale</b> until
 * {@code L - marginFor(L)}: still handed out at once, while one background request fetches its successor.
 * After that it is <b>expired</b> and never handed out.
 *
 * @param defaultLifetime used when the bank's response has no {@code expires_in}
 * @param maxLifetime longer lifetimes a bank announces are cut to this, so a bogus huge {@code expires_in}
 *        cannot pin a token in the cache for years
 * @param refreshSkew how long before expiry the background refresh starts; at most half the lifetime
 * @param expiryMargin a token is treated as expired this long before its announced expiry, covering the
 *        network delay of the call that will carry it; at most a fifth of the lifetime, so short-lived tokens
 *        stay usable
 * @param waitTimeout how long a caller waits for a token another caller is fetching
 * @param failureBackoff after a failed request, callers get the same error for this long without a new
 *        request, so a failing bank is not hammered; zero disables it
 */
public record TokenPolicy(Duration defaultLifetime, Duration maxLifetime, Duration refreshSkew, Duration expiryMargin,
        Duration waitTimeout, Duration failureBackoff) {

    /** Production defaults: 10 min default lifetime, 24 h cap, refresh 60 s and drop 15 s before expiry,
     * 30 s wait, 1 s back-off. */
    public static final TokenPolicy DEFAULT = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(1));

    /**
     * Checks that every duration is positive (skew, margin and back-off may be zero).
     *
     * @param defaultLifetime used when the bank's response has no {@code expires_in}; positive
     * @param maxLifetime the cap on an announced lifetime; positive
     * @param refreshSkew how long before expiry the background refresh starts; zero or more
     * @param expiryMargin how long before its announced expiry a token is treated as expired; zero or more
     * @param waitTimeout how long a caller waits for a token another caller is fetching; positive
     * @param failureBackoff how long a failure is replayed to callers without a new request; zero disables it
     * @throws IllegalArgumentException naming the component that is zero or negative when it may not be
     * @throws NullPointerException naming the component that is missing
     */
    public TokenPolicy {
        requirePositive(defaultLifetime, "defaultLifetime");
        requirePositive(maxLifetime, "maxLifetime");
        requirePositive(waitTimeout, "waitTimeout");
        requireNotNegative(refreshSkew, "refreshSkew");
        requireNotNegative(expiryMargin, "expiryMargin");
        requireNotNegative(failureBackoff, "failureBackoff");
    }

    /**
     * The margin applied to a token of the given lifetime: the configured one, at most a fifth of it.
     *
     * @param lifetime the token's lifetime
     * @return how long before the token's expiry it is dropped; the cap keeps short-lived tokens usable
     */
    public Duration marginFor(Duration lifetime) {
        return min(expiryMargin, lifetime.dividedBy(5));
    }

    /**
     * How long before expiry a token of the given lifetime turns stale; never less than its margin.
     *
     * @param lifetime the token's lifetime
     * @return the configured skew, at most half the lifetime, raised to {@link #marginFor(Duration)} when below
     *         it so that a token never expires before it turns stale
     */
    public Duration refreshSkewFor(Duration lifetime) {
        Duration skew = min(refreshSkew, lifetime.dividedBy(2));
        Duration margin = marginFor(lifetime);
        return skew.compareTo(margin) < 0 ? margin : skew;
    }

    /**
     * A copy with another failure back-off.
     *
     * @param backoff the new failure back-off; zero disables it
     * @return a policy equal to this one but for the failure back-off; this one is unchanged
     */
    public TokenPolicy withFailureBackoff(Duration backoff) {
        return new TokenPolicy(defaultLifetime, maxLifetime, refreshSkew, expiryMargin, waitTimeout, backoff);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    private static void requireNotNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
    }
}
