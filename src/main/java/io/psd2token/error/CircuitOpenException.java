package io.psd2token.error;

import java.time.Duration;

/**
 * The bank failed several token requests in a row, so its circuit breaker is open: callers fail at once,
 * without a request, until one probe request succeeds. A still-valid token is served meanwhile.
 */
public final class CircuitOpenException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** How long the circuit stayed open when this was thrown; serialized with the error. */
    private final Duration retryIn;

    /**
     * @param bkcode the bank
     * @param failures consecutive failed requests
     * @param retryIn how long until a probe request is let through
     * @param last the last failure, as cause, or {@code null}
     */
    public CircuitOpenException(String bkcode, int failures, Duration retryIn, BankTokenException last) {
        super(bkcode, "the bank failed " + failures + " token requests in a row; calls fail at once for "
                + Math.max(1, retryIn.toSeconds()) + " s more, then one probe request is sent. Last failure: "
                + (last == null ? "unknown" : last.getMessage()), last);
        this.retryIn = retryIn;
    }

    private CircuitOpenException(CircuitOpenException original) {
        super(original);
        this.retryIn = original.retryIn;
    }

    /**
     * How long until the circuit lets a probe request through.
     *
     * @return the remaining open time when the error was thrown
     */
    public Duration retryIn() {
        return retryIn;
    }

    @Override
    public CircuitOpenException replay() {
        return new CircuitOpenException(this);
    }
}
