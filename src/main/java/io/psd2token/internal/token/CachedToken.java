package io.psd2token.internal.token;

import io.psd2token.token.AccessToken;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A token in the cache with its points on the monotonic clock (see {@link TokenPolicy}).
 *
 * <p>{@link #mode} is the only thing the hot path reads. Bit {@link #FAST}: callers take the token with no
 * clock read. Bit {@link #USED}: the token was handed out from the cache at least once, which decides whether
 * it is refreshed ahead of time. The timer clears {@code FAST} at the fast-path end (pure flag flip, never
 * behind I/O), and so do a refresh that cannot start or fails, and an eviction; from then on every caller
 * compares the clock with {@link #dropAtNanos}.
 */
final class CachedToken {

    static final int FAST = 1;
    static final int USED = 2;

    private static final VarHandle MODE;
    private static final VarHandle DEADLINE;
    /** The deadline handle of a token that has left its slot: it schedules nothing more. */
    private static final TokenTimer.Cancel RETIRED = () -> { };

    static {
        try {
            MODE = MethodHandles.lookup().findVarHandle(CachedToken.class, "mode", int.class);
            DEADLINE = MethodHandles.lookup().findVarHandle(CachedToken.class, "deadline", TokenTimer.Cancel.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final AccessToken token;
    final long sentNanos;
    final long staleAtNanos;
    final long fastUntilNanos;
    final long dropAtNanos;
    /** The credentials epoch the token was obtained in (see {@link TokenManager#invalidateAll()}). */
    final long epoch;

    // FAST and USED bits; written with VarHandle atomics, read plainly-volatile on the hot path.
    volatile int mode = FAST;
    /**
     * The cluster entry this token is known by (see {@link SharedEntry}), once it was published or taken from the
     * cluster; null on a single node, or while it is not shared. Holds the token: never printed.
     */
    volatile String shared;
    // The one timer task of this token waiting now (its next point), or RETIRED once it left its slot.
    private volatile TokenTimer.Cancel deadline;

    private CachedToken(AccessToken token, long sentNanos, long staleAtNanos, long dropAtNanos, long epoch) {
        this.token = token;
        this.sentNanos = sentNanos;
        this.staleAtNanos = staleAtNanos;
        this.dropAtNanos = dropAtNanos;
        this.fastUntilNanos = staleAtNanos + (dropAtNanos - staleAtNanos) / 2;
        this.epoch = epoch;
    }

    /** The points of {@code token}, sent at {@code sentNanos}, under {@code policy}. */
    static CachedToken of(AccessToken token, long sentNanos, TokenPolicy policy, long epoch) {
        Duration lifetime = token.lifetime();
        long drop = sentNanos + Nanos.of(lifetime.minus(policy.marginFor(lifetime)));
        long stale = drop - Nanos.of(policy.leadFor(lifetime));
        return new CachedToken(token, sentNanos, stale, drop, epoch);
    }

    /** True while the token may be handed out. Subtraction, not comparison: nanoTime may wrap. */
    boolean usableAt(long nowNanos) {
        return nowNanos - dropAtNanos < 0;
    }

    boolean staleAt(long nowNanos) {
        return nowNanos - staleAtNanos >= 0;
    }

    boolean fast() {
        return (mode & FAST) != 0;
    }

    boolean used() {
        return (mode & USED) != 0;
    }

    /**
     * Keeps the handle of the token's next timer task, unless the token has left its slot meanwhile: then the task
     * is cancelled at once.
     *
     * @param next the handle of the task just scheduled
     */
    void awaitDeadline(TokenTimer.Cancel next) {
        while (true) {
            TokenTimer.Cancel current = deadline;
            if (current == RETIRED) {
                next.cancel();
                return;
            }
            if (DEADLINE.compareAndSet(this, current, next)) {
                return;
            }
        }
    }

    /** @return whether the token has left its slot, so that nothing more is scheduled for it */
    boolean retired() {
        return deadline == RETIRED;
    }

    /**
     * The token left its slot (replaced or evicted): its waiting timer task is cancelled, so that the timer does
     * not keep it in memory until its deadline.
     */
    void retire() {
        TokenTimer.Cancel pending = (TokenTimer.Cancel) DEADLINE.getAndSet(this, RETIRED);
        if (pending != null && pending != RETIRED) {
            pending.cancel();
        }
    }

    /** Called by the hot path the first time the token is handed out from the cache. */
    void markUsed() {
        MODE.getAndBitwiseOr(this, USED);
    }

    /** Callers check the clock from now on; idempotent. */
    void endFastPath() {
        MODE.getAndBitwiseAnd(this, ~FAST);
    }
}
