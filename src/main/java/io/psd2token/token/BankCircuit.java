package io.psd2token.token;

import io.psd2token.BankTokenException;
import java.time.Duration;

/**
 * The circuit breaker of one bank: closed while requests succeed; open after {@code threshold} consecutive
 * failures, failing callers at once; after the open period, half-open: exactly one probe request may go,
 * whose outcome closes or re-opens it.
 *
 * <p>Thread-safe: every transition happens under the object's lock; {@link #allow} is called only when a
 * token request is about to be sent, never on the hot path.
 */
final class BankCircuit {

    /** The circuit's state, for monitoring and health checks. */
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long openNanos;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAtNanos;
    private boolean probeInFlight;
    private BankTokenException lastFailure;

    BankCircuit(int threshold, Duration openFor) {
        this.threshold = threshold;
        this.openNanos = openFor.toNanos();
    }

    /** Null if a request may be sent now, else the error to give the caller. */
    synchronized CircuitOpenException allow(String bkcode, long nowNanos) {
        if (threshold == 0 || state == State.CLOSED) {
            return null;
        }
        long remaining = openedAtNanos + openNanos - nowNanos;
        if (state == State.OPEN && remaining <= 0) {
            state = State.HALF_OPEN;
        }
        if (state == State.HALF_OPEN && !probeInFlight) {
            probeInFlight = true;
            return null;
        }
        return new CircuitOpenException(bkcode, consecutiveFailures, Duration.ofNanos(Math.max(remaining, 0)),
                lastFailure);
    }

    /** Gives back a probe permit that was not used (the request did not go to the bank after all). */
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
            state = State.OPEN;
            openedAtNanos = nowNanos;
        }
    }

    synchronized State state() {
        return state;
    }
}
