package io.psd2token.token;

/**
 * A token in the cache with its two deadlines on the monotonic clock.
 *
 * <p>{@link #fresh} is the only thing the hot path reads: it starts true and a scheduled task clears it at
 * the stale deadline, so callers need no clock read while the token is fresh. Once it is false every
 * caller compares the clock with {@link #expireAtNanos}, so the exact expiry check never depends on the
 * scheduler; only the start of the stale window does.
 */
final class CachedToken {

    final AccessToken token;
    final long sentNanos;
    final long staleAtNanos;
    final long expireAtNanos;

    // Cleared once, by the scheduler at staleAtNanos (or by invalidation); read without locking.
    volatile boolean fresh = true;

    CachedToken(AccessToken token, long sentNanos, long staleAtNanos, long expireAtNanos) {
        this.token = token;
        this.sentNanos = sentNanos;
        this.staleAtNanos = staleAtNanos;
        this.expireAtNanos = expireAtNanos;
    }

    /** True while the token may be handed out. Subtraction, not comparison: nanoTime may wrap. */
    boolean usableAt(long nowNanos) {
        return nowNanos - expireAtNanos < 0;
    }

    boolean staleAt(long nowNanos) {
        return nowNanos - staleAtNanos >= 0;
    }
}
