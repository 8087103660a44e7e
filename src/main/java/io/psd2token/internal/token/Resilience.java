package io.psd2token.internal.token;

import java.time.Duration;
import java.util.Objects;

/**
 * How the token manager copes with a failing bank: retries, circuit breaker and the bound on waiting callers.
 *
 * @param maxAttempts attempts per token request, the first included (1 = no retry); only I/O errors, HTTP 5xx
 *        and 429 are retried, never a client error such as {@code invalid_client}
 * @param retryDelay the delay before the first retry; it doubles for each further one, with jitter
 * @param maxRetryDelay the cap on one retry delay
 * @param circuitThreshold consecutive failed requests (after their retries) that open a bank's circuit
 * @param circuitOpenFor how long an open circuit fails callers at once, before one probe request is let through
 * @param maxWaitingCallers per bank, callers that may block waiting for a token of a <em>slow</em> bank; more
 *        fail at once ({@code 0} = no limit)
 * @param slowBankThreshold a bank is slow once its token request has been in flight this long; before that, any
 *        number of callers may wait for it, so a healthy cold start fails nobody
 * @param attemptTimeout the longest one attempt can take (request timeout plus failure diagnosis): a retry is
 *        only sent if it can finish within the callers' wait, and an attempt still open after it is ended
 */
public record Resilience(int maxAttempts, Duration retryDelay, Duration maxRetryDelay, int circuitThreshold,
        Duration circuitOpenFor, int maxWaitingCallers, Duration slowBankThreshold, Duration attemptTimeout) {

    /** 3 attempts from 200 ms, circuit open for 30 s after 5 failures, 64 waiting callers once a bank is slow
     * (3 s), attempts bounded at 12 s. */
    public static final Resilience DEFAULT = new Resilience(3, Duration.ofMillis(200), Duration.ofSeconds(5), 5,
            Duration.ofSeconds(30), 64, Duration.ofSeconds(3), Duration.ofSeconds(12));

    /** No retry, no circuit breaker, no bound on waiting callers; attempts bounded at 12 s. */
    public static final Resilience NONE = new Resilience(1, Duration.ZERO, Duration.ZERO, 0, Duration.ZERO, 0,
            Duration.ZERO, Duration.ofSeconds(12));

    /**
     * Checks the values.
     *
     * @param maxAttempts at least 1
     * @param retryDelay not negative
     * @param maxRetryDelay not negative
     * @param circuitThreshold {@code 0} disables the circuit breaker
     * @param circuitOpenFor not negative
     * @param maxWaitingCallers {@code 0} = no limit
     * @param slowBankThreshold not negative
     * @param attemptTimeout positive
     * @throws IllegalArgumentException when a value is out of range
     * @throws NullPointerException when a duration is missing
     */
    public Resilience {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (circuitThreshold < 0 || maxWaitingCallers < 0) {
            throw new IllegalArgumentException("circuitThreshold and maxWaitingCallers must not be negative");
        }
        for (Duration d : new Duration[] {retryDelay, maxRetryDelay, circuitOpenFor, slowBankThreshold}) {
            if (Objects.requireNonNull(d).isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }
        if (Objects.requireNonNull(attemptTimeout).isNegative() || attemptTimeout.isZero()) {
            throw new IllegalArgumentException("attemptTimeout must be positive");
        }
    }

    /**
     * Retries only, with the other settings of {@link #NONE}.
     *
     * @param attempts attempts per request
     * @param delay the first retry delay
     * @param maxDelay the cap on one retry delay
     * @return the settings
     */
    public static Resilience retries(int attempts, Duration delay, Duration maxDelay) {
        return new Resilience(attempts, delay, maxDelay, 0, Duration.ZERO, 0, Duration.ZERO, NONE.attemptTimeout);
    }

    /**
     * A copy with another circuit breaker.
     *
     * @param threshold consecutive failures that open it; 0 disables it
     * @param openFor how long it stays open
     * @return the settings
     */
    public Resilience withCircuit(int threshold, Duration openFor) {
        return new Resilience(maxAttempts, retryDelay, maxRetryDelay, threshold, openFor, maxWaitingCallers,
                slowBankThreshold, attemptTimeout);
    }

    /**
     * A copy with another bound on waiting callers.
     *
     * @param max callers that may wait for a slow bank; 0 = no limit
     * @param slowAfter how long a request must be in flight before the bank counts as slow
     * @return the settings
     */
    public Resilience withWaitingCallers(int max, Duration slowAfter) {
        return new Resilience(maxAttempts, retryDelay, maxRetryDelay, circuitThreshold, circuitOpenFor, max,
                slowAfter, attemptTimeout);
    }

    /**
     * In a cluster, how long the lease of the node fetching a (bank, scope)'s token lasts — and so the longest any
     * other node waits for a holder that died: one attempt, the delay before a retry (the holder renews its lease
     * before each), and two seconds of slack.
     *
     * @return the lease's lifespan
     */
    public Duration leaseLifespan() {
        return attemptTimeout.plus(maxRetryDelay).plusSeconds(2);
    }

    /**
     * A copy with another attempt timeout.
     *
     * @param timeout the longest one attempt can take
     * @return the settings
     */
    public Resilience withAttemptTimeout(Duration timeout) {
        return new Resilience(maxAttempts, retryDelay, maxRetryDelay, circuitThreshold, circuitOpenFor,
                maxWaitingCallers, slowBankThreshold, timeout);
    }
}
