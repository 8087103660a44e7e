package io.psd2token.client;

import io.psd2token.internal.http.RetryAfter;
import io.psd2token.token.TokenClock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per bank, how long its API is left alone after it refused a call for its rate limit: the bank's
 * {@code Retry-After} (capped), else a fixed pause. Decided on the monotonic clock, so a wall-clock jump can
 * neither end a pause early nor make it last for ever.
 */
final class ApiPauses {

    private final TokenClock clock;
    private final Duration defaultPause;
    private final Duration maxRetryAfter;
    /** Bank code to the monotonic reading at which its pause ends. */
    private final Map<String, Long> endsAt = new ConcurrentHashMap<>();

    /**
     * @param clock the token clock (an application's test clock drives it)
     * @param defaultPause the pause when the bank sent no usable {@code Retry-After} ({@code psd2.api.rate-limit-pause})
     * @param maxRetryAfter the longest {@code Retry-After} honoured ({@code psd2.retry-after-max})
     */
    ApiPauses(TokenClock clock, Duration defaultPause, Duration maxRetryAfter) {
        this.clock = clock;
        this.defaultPause = defaultPause;
        this.maxRetryAfter = maxRetryAfter;
    }

    /**
     * @param bkcode the bank
     * @return how long the bank's pause still runs, or empty when calls may be sent
     */
    Optional<Duration> remaining(String bkcode) {
        Long end = endsAt.get(bkcode);
        if (end == null) {
            return Optional.empty();
        }
        long left = end - clock.nanoTime();
        if (left <= 0) {
            endsAt.remove(bkcode, end);
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(left));
    }

    /**
     * Starts (or lengthens, never shortens) the bank's pause after a refusal.
     *
     * @param bkcode the bank
     * @param retryAfter the bank's {@code Retry-After} header, or {@code null}
     * @return the pause from now
     */
    Duration pause(String bkcode, String retryAfter) {
        Duration pause = retryAfter == null ? defaultPause
                : RetryAfter.parse(retryAfter, clock.now(), maxRetryAfter).orElse(defaultPause);
        if (pause.isZero()) {
            return pause;
        }
        long end = clock.nanoTime() + pause.toNanos();
        endsAt.merge(bkcode, end, (a, b) -> a - b >= 0 ? a : b);
        return pause;
    }
}
