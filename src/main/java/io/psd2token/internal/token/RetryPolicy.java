package io.psd2token.internal.token;

import io.psd2token.error.BankTokenException;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.error.InvalidTokenResponseException;
import io.psd2token.error.ResponseTooLargeException;
import io.psd2token.error.TlsHandshakeException;
import io.psd2token.error.TokenRequestRejectedException;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When to try a bank again: the retries of one request (exponential back-off with jitter, a bank's
 * {@code Retry-After} honoured up to its cap, only while the callers still wait), how long a failure is replayed
 * to callers, and when a failed background refresh is tried again. Beside {@link BankCircuit}, which decides
 * whether a bank is asked at all.
 */
final class RetryPolicy {

    /** Failed background refreshes are retried at least this far apart, and at most this far. */
    static final long MIN_BACKGROUND_BACKOFF_NANOS = Duration.ofMillis(200).toNanos();
    static final long MAX_BACKGROUND_BACKOFF_NANOS = Duration.ofSeconds(30).toNanos();

    private final Resilience resilience;
    private final TokenPolicy policy;
    private final DoubleSupplier jitter;

    RetryPolicy(Resilience resilience, TokenPolicy policy, DoubleSupplier jitter) {
        this.resilience = resilience;
        this.policy = policy;
        this.jitter = jitter;
    }

    /**
     * The delay before attempt {@code attempt + 1}, or -1 for none: only I/O errors, 5xx and 429 are retried,
     * within the attempts, and only if the next attempt can finish before the callers stop waiting.
     */
    long retryDelayNanos(BankTokenException e, int attempt, long startNanos, long nowNanos) {
        if (attempt >= resilience.maxAttempts() || !isTransient(e)) {
            return -1;
        }
        long capped = Nanos.doubled(Nanos.of(resilience.retryDelay()), attempt - 1, Nanos.of(resilience.maxRetryDelay()));
        // Full jitter on the upper half: spreads the retries of many TPP nodes without ever retrying at once.
        long delay = capped / 2 + (long) (jitter.getAsDouble() * (capped / 2 + 1));
        long asked = retryAfterNanos(e);
        if (asked > Nanos.of(resilience.maxRetryDelay())) {
            // Longer than we retry for: fail now; the slot's back-off then honours the bank's wish.
            return -1;
        }
        delay = Math.max(delay, asked);
        long finish = Nanos.add(Nanos.add(nowNanos - startNanos, delay), Nanos.of(resilience.attemptTimeout()));
        return finish < Nanos.of(policy.waitTimeout()) ? delay : -1;
    }

    /** How long callers without a usable token get this failure replayed: the back-off, or the bank's wish. */
    long replayNanos(BankTokenException e) {
        return Math.max(Nanos.of(policy.failureBackoff()), retryAfterNanos(e));
    }

    /** When the background refresh is tried again after {@code consecutive} failures in a row. */
    long backgroundBackoffNanos(int consecutive, long replayNanos) {
        long base = Math.max(Nanos.of(policy.failureBackoff()), MIN_BACKGROUND_BACKOFF_NANOS);
        long exponential = Nanos.doubled(base, Math.min(consecutive, 16) - 1, MAX_BACKGROUND_BACKOFF_NANOS);
        return Math.max(replayNanos, exponential);
    }

    /** The bank's Retry-After, already capped at {@code psd2.retry-after-max} when it was read; 0 when none. */
    private long retryAfterNanos(BankTokenException e) {
        if (e instanceof TokenRequestRejectedException r && r.retryAfter().isPresent()) {
            return Math.min(Nanos.of(r.retryAfter().get()), Nanos.of(policy.retryAfterMax()));
        }
        return 0;
    }

    static boolean isTransient(BankTokenException e) {
        return e instanceof BankUnreachableException
                || e instanceof TokenRequestRejectedException r && (r.status() >= 500 || r.status() == 429);
    }

    /** Failures that say the bank is unwell; a refused client or local misconfiguration do not. */
    static boolean countsAgainstBank(BankTokenException e) {
        return isTransient(e) || e instanceof TlsHandshakeException || e instanceof InvalidTokenResponseException
                || e instanceof ResponseTooLargeException;
    }
}
