package io.psd2token.token;

import io.psd2token.BankTokenException;
import java.time.Duration;

/**
 * The bank failed several token requests in a row, so its circuit is open: callers fail at once instead of
 * waiting for a bank that is down. A probe request is let through when {@link #retryIn()} has passed.
 */
public final class CircuitOpenException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** How long the circuit stayed open when this was thrown; serialized with the error. */
    private final Duration retryIn;

    CircuitOpenException(String bkcode, int failures, Duration retryIn, BankTokenException last) {
        super(bkcode, "the bank failed " + failures + " token requests in a row; calls fail at once for "
                + Math.max(1, retryIn.toSeconds()) + " s more, then one probe request is sent. Last failure: "
                + (last == null ? "unknown" : last.getMessage()), last);
        this.retryIn = retryIn;
    }

    /**
     * How long until a probe request is let through.
     *
     * @return the time left when this error was thrown, not now; a caller may wait it out before trying again
     */
    public Duration retryIn() {
        return retryIn;
    }
}
