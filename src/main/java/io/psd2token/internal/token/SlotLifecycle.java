package io.psd2token.internal.token;

import io.psd2token.error.BankTokenException;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.token.TokenClock;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The state machine of a slot's requests: who may start one (single-flight, a failure being replayed, the circuit,
 * the request gate), and how one ends ({@link #settle}, the only place a flight ends). The request itself is
 * {@link TokenRequests}; a token's deadlines are {@link TokenDeadlines}.
 */
final class SlotLifecycle {

    private static final Logger LOG = Logger.getLogger(SlotLifecycle.class.getName());

    private final TokenClock clock;
    private final RetryPolicy retries;
    private final RequestGate gate;
    private final SafeMetrics metrics;
    private final Handoff handoff;
    // Set once by connect(), before the manager is handed out: the three parts call each other.
    private TokenRequests requests;
    private TokenDeadlines deadlines;
    private SharedSlots shared;
    // Moves on when the credentials change (QWAC rotation): a request begun before is not installed.
    private volatile long epoch;

    SlotLifecycle(TokenClock clock, RetryPolicy retries, RequestGate gate, SafeMetrics metrics, Handoff handoff) {
        this.clock = clock;
        this.retries = retries;
        this.gate = gate;
        this.metrics = metrics;
        this.handoff = handoff;
    }

    void connect(TokenRequests requests, TokenDeadlines deadlines, SharedSlots shared) {
        this.requests = requests;
        this.deadlines = deadlines;
        this.shared = shared;
    }

    long epoch() {
        return epoch;
    }

    /** The credentials changed: nothing requested before is installed from now on. */
    void newEpoch() {
        epoch++;
    }

    /**
     * The in-flight request of the slot, started if there is none and nothing forbids it (a failure being
     * replayed, an open circuit, the request gate); null if the slot has been retired.
     *
     * @param inline start the request on this thread (it only sends; the answer arrives asynchronously)
     * @throws BankTokenException a fresh copy of the replayed failure, the circuit's refusal, or the gate's
     */
    Flight joinOrStart(TokenSlot slot, long now, boolean inline) {
        while (true) {
            Flight running = slot.flight;
            if (running == Flight.RETIRED) {
                return null;
            }
            if (running != null) {
                return running;
            }
            TokenSlot.Failure replayed = slot.failureAt(now);
            if (replayed != null) {
                slot.countBackoffRefusal();
                throw replayed.error().replay();
            }
            BankCircuit circuit = slot.bank.circuit;
            if (circuit.refusesAt(now) || !circuit.tryAcquire(now)) {
                slot.countCircuitRefusal();
                throw circuit.refusal(slot.bk(), now);
            }
            Flight mine = new Flight(now, false, epoch);
            mine.holdsCircuit = true;
            try {
                gate.check(slot.bankCode(), slot.scope());
            } catch (RuntimeException e) {
                circuit.release();
                throw e;
            }
            if (!slot.casFlight(null, mine)) {
                circuit.release();
                continue;
            }
            // A request may have completed between the caller's read and winning the slot: use its token.
            CachedToken installed = slot.current;
            if (installed != null && installed.usableAt(clock.nanoTime())) {
                settle(slot, mine, Outcome.success(installed), now, false);
                return mine;
            }
            // In a cluster the first step reads and writes the shared state: never on a caller's thread.
            if (inline && !shared.enabled()) {
                requests.attempt(slot, mine, 1);
            } else {
                start(slot, mine);
            }
            return mine;
        }
    }

    /**
     * Starts the one background refresh of {@code stale}, unless one is running, its back-off has not passed,
     * the circuit refuses or the gate does. Never blocks and never throws.
     *
     * @return true if a refresh of {@code stale} is under way (started now or before)
     */
    boolean startBackground(TokenSlot slot, CachedToken stale, long now) {
        Flight running = slot.flight;
        if (running != null) {
            return running != Flight.RETIRED;
        }
        if (now - slot.nextBackgroundNanos < 0) {
            return false;
        }
        BankCircuit circuit = slot.bank.circuit;
        // An open circuit means the bank is down: keep serving the valid token, try again later.
        if (circuit.refusesAt(now) || !circuit.tryAcquire(now)) {
            return false;
        }
        try {
            gate.check(slot.bankCode(), slot.scope());
        } catch (RuntimeException e) {
            circuit.release();
            LOG.fine(() -> "bank " + slot.bk() + ": refresh of scope " + slot.scope() + " refused: " + e.getMessage());
            return false;
        }
        Flight mine = new Flight(now, true, epoch);
        mine.holdsCircuit = true;
        if (!slot.casFlight(null, mine)) {
            circuit.release();
            return true;
        }
        // A caller that read the stale token before a refresh finished must not start another one: only the
        // token still current may be refreshed.
        CachedToken current = slot.current;
        if (current != stale && current != null && current.usableAt(now)) {
            settle(slot, mine, Outcome.success(current), now, false);
            return true;
        }
        slot.backgroundRefreshes++;
        start(slot, mine);
        return true;
    }

    /**
     * Runs the flight's first step on the I/O executor — the first attempt, or in a cluster the look at the shared
     * state that may make the attempt unnecessary; if the executor refuses, the flight fails rather than hangs.
     */
    void start(TokenSlot slot, Flight flight) {
        if (shared.enabled()) {
            continueOn(slot, flight, () -> shared.begin(slot, flight));
        } else {
            continueOn(slot, flight, () -> requests.attempt(slot, flight, 1));
        }
    }

    /** Runs more of a flight on the I/O executor; if it refuses, the flight fails rather than hangs. */
    void continueOn(TokenSlot slot, Flight flight, Runnable task) {
        handoff.orElse(task, e -> settle(slot, flight, Outcome.failure(new BankUnreachableException(
                slot.endpoints.tokenEndpoint().getHost(), "the I/O executor refused the token request ("
                        + e.getClass().getSimpleName() + "); is the application stopping?", e)), clock.nanoTime(),
                false));
    }

    /**
     * Ends a request: records its outcome, then — whatever that throws — clears the slot's flight, gives back the
     * circuit's permit and completes the callers' future. The only place a flight ends.
     *
     * @param sent whether a request went to the bank (false when a token already there completes the flight)
     */
    void settle(TokenSlot slot, Flight flight, Outcome outcome, long sentNanos, boolean sent) {
        boolean reported = false;
        try {
            long now = clock.nanoTime();
            if (outcome.cached() != null) {
                if (sent) {
                    slot.failure = null;
                    slot.consecutiveFailures = 0;
                    slot.nextBackgroundNanos = now;
                    slot.lastSuccessNanos = sentNanos;
                    slot.succeeded = true;
                    slot.bank.circuit.success();
                    reported = true;
                    long nanos = now - sentNanos;
                    LOG.fine(() -> "token obtained from bank " + slot.bk() + " for scope " + slot.scope() + " in "
                            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms" + (flight.background ? " (background)" : "")
                            + ", lifetime " + outcome.cached().token.lifetime().getSeconds() + " s");
                    metrics.requestCompleted(slot.bk(), "success", nanos, flight.background);
                }
            } else {
                BankTokenException typed = outcome.error() instanceof BankTokenException b ? b : null;
                if (typed != null && RetryPolicy.countsAgainstBank(typed)) {
                    slot.bank.circuit.failure(typed, now);
                    reported = true;
                }
                recordFailure(slot, typed, flight.background, now, sentNanos);
                metrics.requestCompleted(slot.bk(), outcome.error().getClass().getSimpleName(), now - sentNanos,
                        flight.background);
            }
        } catch (Throwable t) {
            LOG.log(Level.FINE, "recording the outcome of a token request failed", t);
        } finally {
            if (flight.holdsCircuit && !reported) {
                slot.bank.circuit.release();
            }
            slot.casFlight(flight, null);
            if (outcome.cached() != null) {
                flight.future.complete(outcome.cached());
                shared.settled(slot, flight, sent ? outcome.cached() : null);
            } else {
                shared.settled(slot, flight, null);
                flight.future.completeExceptionally(outcome.error());
                if (slot.keepWarm) {
                    warmFailed(slot, outcome.error());
                    deadlines.retryWarmLater(slot);
                }
            }
        }
    }

    /** One clear line per warm token that could not be had, not one per retry. */
    private static void warmFailed(TokenSlot slot, Throwable error) {
        if (!slot.succeeded && !slot.warmFailureLogged) {
            slot.warmFailureLogged = true;
            LOG.warning("bank " + slot.bk() + ", scope " + slot.scope() + ": the token to keep warm could not be"
                    + " fetched (" + error.getClass().getSimpleName() + ": " + error.getMessage() + "); the"
                    + " application runs on, and the token is fetched again with back-off");
        }
    }

    private void recordFailure(TokenSlot slot, BankTokenException e, boolean background, long now, long sentNanos) {
        slot.failures++;
        slot.lastFailure = e;
        slot.lastFailureNanos = now;
        long replay = e == null ? 0 : retries.replayNanos(e);
        slot.failure = e != null && replay > 0 ? new TokenSlot.Failure(e, Nanos.at(now, replay)) : null;
        int n = Math.min(slot.consecutiveFailures + 1, 16);
        slot.consecutiveFailures = n;
        slot.nextBackgroundNanos = Nanos.at(now, retries.backgroundBackoffNanos(n, replay));
        CachedToken current = slot.current;
        if (background && current != null) {
            // The token the refresh was for leaves the fast path: callers check the clock again and retry the
            // refresh after the back-off.
            current.endFastPath();
        }
        LOG.fine(() -> "token request to bank " + slot.bk() + " failed after "
                + TimeUnit.NANOSECONDS.toMillis(now - sentNanos) + " ms"
                + (background ? " (background refresh; the current token stays)" : "") + ": "
                + (e == null ? "unexpected error" : e.getClass().getSimpleName()));
    }

    /** Forgets {@code cached} if it is still the slot's token; ends its fast path. */
    static boolean evict(TokenSlot slot, CachedToken cached) {
        if (cached != null && slot.casCurrent(cached, null)) {
            cached.endFastPath();
            cached.retire();
            return true;
        }
        return false;
    }
}
