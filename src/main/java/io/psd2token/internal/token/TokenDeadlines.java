package io.psd2token.internal.token;

import io.psd2token.token.TokenClock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A token's three points on the timer — stale, fast-path end, drop — and what happens at each: a refresh for a
 * token in use (or kept warm), the end of the fast path, the retirement of an idle slot. Timer tasks only flip a
 * flag or hand work to the I/O executor; the work itself (starting a refresh, retiring a slot) runs there.
 */
final class TokenDeadlines {

    private static final Logger LOG = Logger.getLogger(TokenDeadlines.class.getName());

    private final TokenClock clock;
    private final TokenTimer timer;
    private final Handoff handoff;
    private final SlotRegistry registry;
    private final SafeMetrics metrics;
    private final SlotLifecycle lifecycle;

    TokenDeadlines(TokenClock clock, TokenTimer timer, Handoff handoff, SlotRegistry registry, SafeMetrics metrics,
            SlotLifecycle lifecycle) {
        this.clock = clock;
        this.timer = timer;
        this.handoff = handoff;
        this.registry = registry;
        this.metrics = metrics;
        this.lifecycle = lifecycle;
    }

    /**
     * Installs a new token and gives its points to the timer, one at a time: the stale point's task schedules the
     * fast-path end, which schedules the drop point, so a token has one task waiting, not three. The token it
     * replaces is retired: its waiting task is cancelled.
     */
    void install(TokenSlot slot, CachedToken cached) {
        // The predecessor keeps its mode: it is still valid, and a caller that read it just before this swap must
        // not be sent down the slow path. It leaves the timer: nobody reads it from the slot any more.
        CachedToken previous = slot.current;
        slot.current = cached;
        if (previous != null && previous != cached) {
            previous.retire();
        }
        at(cached, cached.staleAtNanos, () -> {
            handoff.orRun(() -> onStale(slot, cached));
            at(cached, cached.fastUntilNanos, () -> {
                cached.endFastPath();
                // Scheduled from here, so the fast path has ended by the time the drop point comes.
                at(cached, cached.dropAtNanos, () -> handoff.orRun(() -> onDrop(slot, cached)));
            });
        });
    }

    /** Gives the timer a token's next point, measured from now, so that a late timer does not push the next one. */
    private void at(CachedToken cached, long atNanos, Runnable duty) {
        if (cached.retired()) {
            return;
        }
        try {
            cached.awaitDeadline(timer.schedule(duty, atNanos - clock.nanoTime()));
        } catch (RuntimeException e) {
            // Without a timer nothing would end the fast path: callers check the clock from the start instead.
            cached.endFastPath();
            LOG.log(Level.FINE, "the timer refused a token's deadline; its callers check the clock", e);
        }
    }

    /** Keeps the slot's token warm from now on: fetched now, refreshed used or not, retried while the bank fails. */
    void keepWarm(TokenSlot slot) {
        slot.keepWarm = true;
        handoff.orDrop(() -> warmTick(slot));
    }

    /** The stale point: refresh the token if it was used (or is kept warm); leave an idle one to lapse. */
    private void onStale(TokenSlot slot, CachedToken cached) {
        if (slot.current != cached) {
            return;
        }
        if (!cached.used() && !slot.keepWarm) {
            LOG.finer(() -> "bank " + slot.bk() + ", scope " + slot.scope() + ": token unused, not refreshed");
            return;
        }
        if (!lifecycle.startBackground(slot, cached, clock.nanoTime())) {
            cached.endFastPath();
            if (slot.keepWarm) {
                retryWarmLater(slot);
            }
        }
    }

    /**
     * The drop point: a token nobody kept alive leaves, and its slot with it, unless it is kept warm, a request
     * is running, or its last request failed (the failure stays visible to monitoring until the next success).
     */
    private void onDrop(TokenSlot slot, CachedToken cached) {
        boolean lastRequestFailed = slot.lastFailure != null && slot.lastFailureNanos - slot.lastSuccessNanos > 0;
        if (slot.current != cached || slot.keepWarm || lastRequestFailed) {
            return;
        }
        if (slot.casFlight(null, Flight.RETIRED)) {
            slot.current = null;
            if (registry.remove(slot)) {
                metrics.slotRemoved(slot.bk(), slot.scope().value());
            }
        }
    }

    private void warmTick(TokenSlot slot) {
        long now = clock.nanoTime();
        CachedToken cached = slot.current;
        if (cached != null && cached.usableAt(now)) {
            if (cached.staleAt(now) && !lifecycle.startBackground(slot, cached, now)) {
                retryWarmLater(slot);
            }
            return;
        }
        try {
            // A failure of the request started here schedules the next try itself (see SlotLifecycle.settle).
            lifecycle.joinOrStart(slot, now, false);
        } catch (RuntimeException e) {
            LOG.fine(() -> "bank " + slot.bk() + ": warm token not obtained yet (" + e.getClass().getSimpleName()
                    + "); tried again with back-off");
            retryWarmLater(slot);
        }
    }

    /** A warm token that could not be had now is tried again after the slot's back-off. */
    void retryWarmLater(TokenSlot slot) {
        long delay = Math.max(slot.nextBackgroundNanos - clock.nanoTime(), RetryPolicy.MIN_BACKGROUND_BACKOFF_NANOS);
        TokenSlot.Failure replayed = slot.failure;
        if (replayed != null) {
            delay = Math.max(delay, replayed.untilNanos() - clock.nanoTime());
        }
        try {
            timer.schedule(() -> handoff.orRun(() -> warmTick(slot)), delay);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the timer refused a warm-up retry", e);
        }
    }
}
