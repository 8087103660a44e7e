package io.psd2token.error;

import java.time.Duration;
import java.util.Optional;

/**
 * The bank's API refused a call for its rate limit: BPCE answers HTTP 403 with the STET code {@code TMRQ} ("too
 * many requests"), other banks 429. Not an invalid token: the token is kept and the call is not re-sent; calls to
 * the bank's API through {@code BankApiClients} fail at once with this error until the pause ends (the bank's
 * {@code Retry-After}, capped by {@code psd2.retry-after-max}, else {@code psd2.api.rate-limit-pause}).
 */
public final class BankRateLimitedException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** How long calls to the bank's API are held back; serialized with the error, as are the ids. */
    private final Duration retryIn;
    /** The X-Request-ID of the refused call, or {@code null}. */
    private final String requestId;
    /** The bank's correlation id (X-Correlation-ID or X-CorrelationID), or {@code null}. */
    private final String correlationId;

    /**
     * @param bkcode the bank
     * @param retryIn how long calls to the bank's API are held back from now
     * @param requestId the X-Request-ID of the refused call, or {@code null} when the call was held back before
     *        reaching the bank
     * @param correlationId the bank's correlation id, or {@code null}
     */
    public BankRateLimitedException(String bkcode, Duration retryIn, String requestId, String correlationId) {
        super(bkcode, "the bank's API limits the request rate (403 TMRQ or 429); calls to it are held back for "
                + Math.max(1, retryIn.toSeconds()) + " s more. Spread the calls, or ask the bank for a higher"
                + " limit" + ids(requestId, correlationId), null);
        this.retryIn = retryIn;
        this.requestId = requestId;
        this.correlationId = correlationId;
    }

    private BankRateLimitedException(BankRateLimitedException original) {
        super(original);
        this.retryIn = original.retryIn;
        this.requestId = original.requestId;
        this.correlationId = original.correlationId;
    }

    /** @return how long calls to the bank's API are held back from when this was thrown */
    public Duration retryIn() {
        return retryIn;
    }

    /** @return the X-Request-ID of the refused call, to quote to the bank */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /** @return the bank's correlation id of the refused call, to quote to the bank */
    public Optional<String> correlationId() {
        return Optional.ofNullable(correlationId);
    }

    /**
     * The ids of a call, as messages quote them.
     *
     * @param requestId the X-Request-ID, or {@code null}
     * @param correlationId the bank's correlation id, or {@code null}
     * @return {@code " (X-Request-ID ..., X-CorrelationID ...)"}, or empty when neither is known
     */
    static String ids(String requestId, String correlationId) {
        if (requestId == null && correlationId == null) {
            return "";
        }
        return " (" + (requestId == null ? "" : "X-Request-ID " + SafeText.of(requestId, 64))
                + (requestId != null && correlationId != null ? ", " : "")
                + (correlationId == null ? "" : "bank correlation id " + SafeText.of(correlationId, 64)) + ")";
    }

    @Override
    public BankRateLimitedException replay() {
        return new BankRateLimitedException(this);
    }
}
