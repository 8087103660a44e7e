package io.psd2token.internal.token;

import java.time.Duration;
import java.util.Objects;

/**
 * When tokens are refreshed and dropped, and how long callers wait.
 *
 * <p>A token of lifetime {@code L}, counted from when its request was sent, has four points on the monotonic
 * clock, computed once when it arrives:
 * <ul>
 * <li><b>drop</b> at {@code L - margin}, with {@code margin = min(expiryMargin, L/5)}: never handed out after;</li>
 * <li><b>stale</b> at {@code drop - lead}, with {@code lead = min(refreshSkew, (L - margin)/2)}: the one
 * background request for its successor starts (if the token was used, see {@link TokenManager});</li>
 * <li><b>fast-path end</b> half-way between stale and drop: from then on callers check the clock against the
 * drop point, so a timer running late by less than {@code lead / 2} can never make a token be handed out after
 * its drop point.</li>
 * </ul>
 * Because the lead is measured back from the drop point and is positive, every configuration keeps a real stale
 * window: no setting of the two keys can make a token go from fresh straight to dropped.
 *
 * @param defaultLifetime used when the bank's response has no {@code expires_in}
 * @param maxLifetime longer lifetimes a bank announces are cut to this
 * @param refreshSkew how long before its drop point a token's background refresh starts; at most half of what
 *        is left of its lifetime once the margin is taken off
 * @param expiryMargin a token is dropped this long before its announced expiry, covering the network delay of
 *        the call that carries it; at most a fifth of the lifetime, so short-lived tokens stay usable
 * @param waitTimeout how long a caller waits for a token another caller is fetching
 * @param failureBackoff after a failed request, callers get the same error for this long without a new
 *        request; zero disables it
 * @param retryAfterMax the longest delay a bank's {@code Retry-After} is honoured for
 */
public record TokenPolicy(Duration defaultLifetime, Duration maxLifetime, Duration refreshSkew, Duration expiryMargin,
        Duration waitTimeout, Duration failureBackoff, Duration retryAfterMax) {

    /** Production defaults: 10 min default lifetime, 24 h cap, refresh 60 s before the drop point, drop 15 s
     * before expiry, 30 s wait, 1 s back-off, Retry-After honoured up to 2 min. */
    public static final TokenPolicy DEFAULT = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(1),
            Duration.ofMinutes(2));

    /**
     * Checks every duration.
     *
     * @param defaultLifetime positive
     * @param maxLifetime positive
     * @param refreshSkew positive: a token must have a stale window
     * @param expiryMargin zero or more
     * @param waitTimeout positive
     * @param failureBackoff zero or more
     * @param retryAfterMax zero or more
     * @throws IllegalArgumentException naming the component that is out of range
     * @throws NullPointerException naming the component that is missing
     */
    public TokenPolicy {
        requirePositive(defaultLifetime, "defaultLifetime");
        requirePositive(maxLifetime, "maxLifetime");
        requirePositive(refreshSkew, "refreshSkew");
        requirePositive(waitTimeout, "waitTimeout");
        requireNotNegative(expiryMargin, "expiryMargin");
        requireNotNegative(failureBackoff, "failureBackoff");
        requireNotNegative(retryAfterMax, "retryAfterMax");
    }

    /**
     * The margin applied to a token of the given lifetime.
     *
     * @param lifetime the token's lifetime
     * @return the configured margin, at most a fifth of the lifetime
     */
    public Duration marginFor(Duration lifetime) {
        return min(expiryMargin, lifetime.dividedBy(5));
    }

    /**
     * How long before its drop point a token of the given lifetime turns stale.
     *
     * @param lifetime the token's lifetime
     * @return the configured skew, at most half the usable lifetime ({@code lifetime - margin}); positive for
     *         any lifetime of at least two nanoseconds
     */
    public Duration leadFor(Duration lifetime) {
        return min(refreshSkew, lifetime.minus(marginFor(lifetime)).dividedBy(2));
    }

    /**
     * The longest a timer may run late without a token being handed out after its drop point.
     *
     * @param lifetime the token's lifetime
     * @return half the lead: the time between the end of the fast path and the drop point
     */
    public Duration toleratedTimerLag(Duration lifetime) {
        return leadFor(lifetime).dividedBy(2);
    }

    /**
     * A copy with another failure back-off.
     *
     * @param backoff the new failure back-off; zero disables it
     * @return a policy equal to this one but for the failure back-off
     */
    public TokenPolicy withFailureBackoff(Duration backoff) {
        return new TokenPolicy(defaultLifetime, maxLifetime, refreshSkew, expiryMargin, waitTimeout, backoff,
                retryAfterMax);
    }

    /**
     * A copy with another wait timeout.
     *
     * @param wait the new wait timeout
     * @return a policy equal to this one but for the wait timeout
     */
    public TokenPolicy withWaitTimeout(Duration wait) {
        return new TokenPolicy(defaultLifetime, maxLifetime, refreshSkew, expiryMargin, wait, failureBackoff,
                retryAfterMax);
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
