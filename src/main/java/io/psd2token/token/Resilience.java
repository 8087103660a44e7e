package io.psd2token.token;

import java.time.Duration;
import java.util.Objects;

/**
 * How the token manager copes with a failing bank: retries, circuit breaker and bulkhead.
 *
 * @param maxAttempts attempts per token request, the first included (1 = no retry); only I/O errors, HTTP 5xx
 *        and 429 are retried, never a client error such as {@code invalid_client}
 * @param retryDelay the delay before the first retry; it doubles for each further one, with jitter
 * @param maxRetryDelay the cap on one retry delay
 * @param circuitThreshold consecutive failed requests (after their retries) that open a bank's circuit
 * @param circuitOpenFor how long an open circuit fails callers at once, before one probe request is let through
 * @param maxWaitingCallers per bank, callers that may wait for a token at the same time; more fail at once, so
 *        one slow bank cannot hold all of the server's request threads ({@code 0} = no limit)
 * @param attemptTimeout the longest one attempt can take (request timeout plus failure diagnosis): a retry is
 *        only sent if it can finish within the callers' wait ({@code 0} = not taken into account)
 */
public record Resilience(int maxAttempts, Duration retryDelay, Duration maxRetryDelay, int circuitThreshold,
        Duration circuitOpenFor, int maxWaitingCallers, Duration attemptTimeout) {

    /** 3 attempts from 200 ms, circuit open for 30 s after 5 failures, 64 waiting callers per bank. */
    public static final Resilience DEFAULT = new Resilience(3, Duration.ofMillis(200), Duration.ofSeconds(5), 5,
            Duration.ofSeconds(30), 64, Duration.ofSeconds(12));

    /** No retry, no circuit breaker, no bulkhead: every failure goes straight to the caller. */
    public static final Resilience NONE = new Resilience(1, Duration.ZERO, Duration.ZERO, 0, Duration.ZERO, 0,
            Duration.ZERO);

    /**
     * As the canonical constructor, without an attempt timeout.
     *
     * @param maxAttempts attempts per token request, the first included; at least 1
     * @param retryDelay the delay before the first retry; not negative
     * @param maxRetryDelay the cap on one retry delay; not negative
     * @param circuitThreshold consecutive failed requests that open a bank's circuit; {@code 0} disables it
     * @param circuitOpenFor how long an open circuit fails callers at once; not negative
     * @param maxWaitingCallers per bank, callers that may wait for a token at the same time; {@code 0} = no limit
     */
    public Resilience(int maxAttempts, Duration retryDelay, Duration maxRetryDelay, int circuitThreshold,
            Duration circuitOpenFor, int maxWaitingCallers) {
        this(maxAttempts, retryDelay, maxRetryDelay, circuitThreshold, circuitOpenFor, maxWaitingCallers, Duration.ZERO);
    }

    /**
     * A copy with another attempt timeout.
     *
     * @param timeout the longest one attempt can take; {@code 0} = not taken into account
     * @return a copy equal to this one but for the attempt timeout; this one is unchanged
     */
    public Resilience withAttemptTimeout(Duration timeout) {
        return new Resilience(maxAttempts, retryDelay, maxRetryDelay, circuitThreshold, circuitOpenFor,
                maxWaitingCallers, timeout);
    }

    /**
     * Checks the values.
     *
     * @param maxAttempts attempts per token request, the first included; at least 1
     * @param retryDelay the delay before the first retry; not negative
     * @param maxRetryDelay the cap on one retry delay; not negative
     * @param circuitThreshold consecutive failed requests that open a bank's circuit; {@code 0} disables it
     * @param circuitOpenFor how long an open circuit fails callers at once; not negative
     * @param maxWaitingCallers per bank, callers that may wait for a token at the same time; {@code 0} = no limit
     * @param attemptTimeout the longest one attempt can take; {@code 0} = not taken into account
     * @throws IllegalArgumentException when a count is out of range or a duration is negative
     * @throws NullPointerException when a duration is missing
     */
    public Resilience {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (circuitThreshold < 0 || maxWaitingCallers < 0) {
            throw new IllegalArgumentException("circuitThreshold and maxWaitingCallers must not be negative");
        }
        for (Duration d : new Duration[] {retryDelay, maxRetryDelay, circuitOpenFor, attemptTimeout}) {
            if (Objects.requireNonNull(d).isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }
    }
}
