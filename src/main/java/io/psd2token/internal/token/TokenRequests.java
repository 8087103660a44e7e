package io.psd2token.internal.token;

import io.psd2token.error.BankTokenException;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The attempts of one flight: send the request, bound it in time, read the answer, retry a transient failure with
 * back-off, install the token, and hand every outcome to {@link SlotLifecycle#settle}. The answer is read on the
 * I/O executor, never on the HTTP client's threads, unless the seam answered at once.
 */
final class TokenRequests {

    private static final Logger LOG = Logger.getLogger(TokenRequests.class.getName());
    /** Attempts begun again because the credentials changed under them, at most, per request. */
    private static final int MAX_EPOCH_RESTARTS = 2;

    private final TokenEndpointClient endpoint;
    private final TokenClock clock;
    private final TokenPolicy policy;
    private final Resilience resilience;
    private final RetryPolicy retries;
    private final TokenTimer timer;
    private final Handoff handoff;
    private final SlotLifecycle lifecycle;
    private final TokenDeadlines deadlines;
    private final SharedSlots shared;

    TokenRequests(TokenEndpointClient endpoint, TokenClock clock, TokenPolicy policy, Resilience resilience,
            RetryPolicy retries, TokenTimer timer, Handoff handoff, SlotLifecycle lifecycle, TokenDeadlines deadlines,
            SharedSlots shared) {
        this.endpoint = endpoint;
        this.clock = clock;
        this.policy = policy;
        this.resilience = resilience;
        this.retries = retries;
        this.timer = timer;
        this.handoff = handoff;
        this.lifecycle = lifecycle;
        this.deadlines = deadlines;
        this.shared = shared;
    }

    /** Sends attempt {@code attempt} of the flight; its answer is handled by {@link #onReply}. */
    void attempt(TokenSlot slot, Flight flight, int attempt) {
        long sentNanos = 0;
        Instant sentAt = null;
        CompletableFuture<HttpReply> reply;
        try {
            sentNanos = clock.nanoTime();
            sentAt = clock.now();
            slot.requests++;
            reply = endpoint.send(slot.endpoints, slot.scope());
        } catch (Throwable t) {
            onReply(slot, flight, attempt, sentNanos, sentAt, null, t);
            return;
        }
        long sent = sentNanos;
        Instant at = sentAt;
        if (reply.isDone()) {
            Throwable failed = failureOf(reply);
            onReply(slot, flight, attempt, sent, at, failed == null ? reply.join() : null, failed);
            return;
        }
        // A seam that never answers must not hold the slot for ever: the timer ends the attempt.
        try {
            TokenTimer.Cancel bound = timer.schedule(() -> reply.completeExceptionally(new BankUnreachableException(
                    slot.endpoints.tokenEndpoint().getHost(), "no answer within "
                    + resilience.attemptTimeout().toMillis() + " ms (the attempt's bound)", null)),
                    Nanos.of(resilience.attemptTimeout()));
            // Answered in time: the bound leaves the timer's queue now rather than at its time.
            reply.whenComplete((r, e) -> bound.cancel());
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the timer refused the attempt bound", e);
        }
        // The HTTP client completes the reply on its own thread: our work goes to the I/O executor.
        reply.whenComplete((r, e) -> handoff.orRun(() -> onReply(slot, flight, attempt, sent, at, r, e)));
    }

    private void onReply(TokenSlot slot, Flight flight, int attempt, long sentNanos, Instant sentAt, HttpReply reply,
            Throwable thrown) {
        Outcome outcome = null;
        try {
            if (thrown != null) {
                throw unwrap(thrown);
            }
            AccessToken token = endpoint.read(slot.endpoints, slot.scope(), reply, sentAt);
            if (flight.epoch != lifecycle.epoch()) {
                // The credentials changed while the request was in flight: its token must not be installed.
                if (flight.restarts++ < MAX_EPOCH_RESTARTS) {
                    flight.epoch = lifecycle.epoch();
                    LOG.fine(() -> "bank " + slot.bk() + ": credentials changed during the token request; sent again");
                    lifecycle.continueOn(slot, flight, () -> attempt(slot, flight, attempt));
                    return;
                }
                throw new BankUnreachableException(slot.endpoints.tokenEndpoint().getHost(), "the QWAC changed "
                        + MAX_EPOCH_RESTARTS + " times while the token request was in flight; try again", null);
            }
            CachedToken cached = CachedToken.of(token, sentNanos, policy, flight.epoch);
            deadlines.install(slot, cached);
            outcome = Outcome.success(cached);
        } catch (BankTokenException e) {
            long delay = retries.retryDelayNanos(e, attempt, flight.startNanos, clock.nanoTime());
            if (delay >= 0 && scheduleRetry(slot, flight, attempt, delay, e)) {
                return;
            }
            outcome = Outcome.failure(e);
        } catch (Throwable t) {
            // Not one of ours (a bug, a binding that threw): reported as it is, but never leaves waiters hanging.
            outcome = Outcome.failure(t);
        } finally {
            if (outcome != null) {
                lifecycle.settle(slot, flight, outcome, sentNanos, true);
            }
        }
    }

    private boolean scheduleRetry(TokenSlot slot, Flight flight, int attempt, long delay, BankTokenException e) {
        try {
            timer.schedule(() -> lifecycle.continueOn(slot, flight, () -> {
                shared.renewLease(slot, flight);
                attempt(slot, flight, attempt + 1);
            }), delay);
        } catch (RuntimeException rejected) {
            return false;
        }
        LOG.fine(() -> "token request to bank " + slot.bk() + " failed (" + e.getClass().getSimpleName()
                + "); attempt " + (attempt + 1) + " in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        return true;
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return e;
        }
    }
}
