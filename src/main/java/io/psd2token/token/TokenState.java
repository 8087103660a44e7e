package io.psd2token.token;

import java.time.Duration;
import java.util.Optional;

/**
 * What monitoring may know about one cached token: never the token itself.
 *
 * @param bank the bank code
 * @param scope the scope of the slot
 * @param phase where the token is in its life
 * @param age time since the request of the current token was sent (zero when there is none)
 * @param expiresIn time until the current token is dropped (zero when there is none or it has expired)
 * @param requests token requests sent for this slot
 * @param backgroundRefreshes of those, the ones sent in the background while a stale token was served
 * @param failures requests that failed
 * @param lastFailure the type and message of the last failure, if any (messages never hold tokens)
 * @param sinceLastSuccess time since the last successful token request was sent, if there was one
 * @param circuit the bank's circuit breaker: {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN}
 * @param refusedCallers callers failed before any request: the bank was slow and too many waited
 *        ({@code BankBusyException}), its circuit was open, or a failure was being replayed during its back-off
 * @param keptWarm whether the token is kept warm ({@code psd2.warm-up}) rather than only while used
 */
public record TokenState(String bank, String scope, Phase phase, Duration age, Duration expiresIn, long requests,
        long backgroundRefreshes, long failures, Optional<String> lastFailure, Optional<Duration> sinceLastSuccess,
        String circuit, long refusedCallers, boolean keptWarm) {

    /** The life of a cached token. */
    public enum Phase {
        /** No token cached. */
        NONE,
        /** Handed out without any check. */
        FRESH,
        /** Past its stale point: still handed out while its successor is fetched (if it is in use). */
        STALE,
        /** Past its drop point: no longer handed out; the next caller waits for a new one. */
        EXPIRED
    }
}
