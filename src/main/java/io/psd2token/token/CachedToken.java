package io.psd2token.token;

/**
 * A token in the cache with its deadlines on the monotonic clock.
 *
 * <p>{@link #fresh} is the only thing the hot path reads: while it is true callers take the token with no
 * clock read. The scheduler starts the background refresh at {@link #staleAtNanos} and leaves the flag
 * alone, so that a normal refresh never sends callers down another code path; the successor simply
 * replaces this token. The flag is cleared when the refresh cannot start or fails, when the token is
 * evicted, and at the latest at {@link #guardAtNanos}, half-way through the stale window. From then on
 * every caller compares the clock with {@link #expireAtNanos}, so the exact expiry check depends on the
 * scheduler only for as long as the refresh may take.
 */
final class CachedToken {

    final AccessToken token;
    final long sentNanos;
    final long staleAtNanos;
    final long expireAtNanos;
    final long guardAtNanos;

    // Cleared once (guard deadline, failed or impossible refresh, eviction); read without locking.
    volatile boolean fresh = true;

    CachedToken(AccessToken token, long sentNanos, long staleAtNanos, long expireAtNanos) {
        this.token = token;
        this.sentNanos = sentNanos;
        this.staleAtNanos = staleAtNanos;
        this.expireAtNanos = expireAtNanos;
        // Half the stale window for the refresh, half as tolerance for a scheduler running late.
        this.guardAtNanos = staleAtNanos + (expireAtNanos - staleAtNanos) / 2;
    }

    /** True while the token may be handed out. Subtraction, not comparison: nanoTime may wrap. */
    boolean usableAt(long nowNanos) {
        return nowNanos - expireAtNanos < 0;
    }

    boolean staleAt(long nowNanos) {
        return nowNanos - staleAtNanos >= 0;
    }
}
