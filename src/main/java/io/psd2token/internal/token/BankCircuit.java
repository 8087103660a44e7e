package io.psd2token.internal.token;

import io.psd2token.error.BankTokenException;
import io.psd2token.error.CircuitOpenException;
import java.time.Duration;

/**
 * The circuit breaker of one bank: closed while requests succeed; open after {@code threshold} consecutive
 * failures, failing callers at once; after the open period, half-open: exactly one probe request may go, whose
 * outcome closes or re-opens it.
 *
 * <p>Whether it refuses is read without a lock ({@link #refusesAt}): a caller on a stale slot asks that on every
 * call while a bank is down, so it must cost two volatile reads, not a lock and an exception. Transitions
 * happen under the object's lock, and only when a request is about to be sent or has ended.
 */
final class BankCircuit {

    /** The circuit's state, for monitoring and health checks. */
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long openNanos;
    private volatile State state = State.CLOSED;
    private volatile long openUntilNanos;
    private int consecutiveFailures;
    private boolean probeInFlight;
    private BankTokenException lastFailure;

    BankCircuit(int threshold, Duration openFor) {
        this.threshold = threshold;
        this.openNanos = Nanos.of(openFor);
    }

    /** True while the circuit is open and its open period has not passed; lock-free. */
    boolean refusesAt(long nowNanos) {
        return state == State.OPEN && nowNanos - openUntilNanos < 0;
    }

    /**
     * Takes the right to send a request now: always while closed, once per half-open period (the probe).
     *
     * @return true if the request may go; its outcome must then be reported ({@link #success}, {@link #failure})
     *         or the right given back ({@link #release})
     */
    boolean tryAcquire(long nowNanos) {
        if (threshold == 0 || state == State.CLOSED) {
            return true;
        }
        synchronized (this) {
            if (state == State.CLOSED) {
                return true;
            }
            if (state == State.OPEN && nowNanos - openUntilNanos >= 0) {
                state = State.HALF_OPEN;
            }
            if (state == State.HALF_OPEN && !probeInFlight) {
                probeInFlight = true;
                return true;
            }
            return false;
        }
    }

    /** A new error for a caller the circuit refuses; one per caller, naming the last failure as cause. */
    synchronized CircuitOpenException refusal(String bkcode, long nowNanos) {
        long remaining = state == State.OPEN ? Math.max(0, openUntilNanos - nowNanos) : 0;
        return new CircuitOpenException(bkcode, consecutiveFailures, Duration.ofNanos(remaining), lastFailure);
    }

    /** Gives back a right that was not used (the request did not go to the bank after all); idempotent. */
    synchronized void release() {
        probeInFlight = false;
    }

    synchronized void success() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        probeInFlight = false;
        lastFailure = null;
    }

    synchronized void failure(BankTokenException e, long nowNanos) {
        consecutiveFailures++;
        lastFailure = e;
        probeInFlight = false;
        if (threshold > 0 && (state == State.HALF_OPEN || consecutiveFailures >= threshold)) {
            openUntilNanos = Nanos.at(nowNanos, openNanos);
            state = State.OPEN;
        }
    }

    State state() {
        return state;
    }
}
