package io.psd2token.token;

/**
 * Where the token manager reports what it does, for a metrics system. The core knows no metrics library:
 * {@link io.psd2token.BankTokens} reports to the application's own CDI bean implementing this interface if it
 * has one, else to {@code io.psd2token.metrics.MicrometerTokenMetrics} where the server provides Micrometer.
 *
 * <p>A binding that throws never breaks a token request: the library logs it once and ignores it.
 */
public interface TokenMetrics {

    /** Reports nothing. */
    TokenMetrics NONE = new TokenMetrics() {
    };

    /**
     * A (bank, scope) got its cache slot; its counters can be read from now on (e.g. by gauges).
     *
     * @param bank the bank code
     * @param scope the scope of the slot
     * @param counters live, read-only counters of the slot
     */
    default void slotCreated(String bank, String scope, SlotCounters counters) {
    }

    /**
     * A (bank, scope) left the cache: its token lapsed unused and nobody keeps it warm. Its meters can go; if the
     * scope is asked for again, {@link #slotCreated} is called again with new counters.
     *
     * @param bank the bank code
     * @param scope the scope of the slot
     */
    default void slotRemoved(String bank, String scope) {
    }

    /**
     * One token request ended.
     *
     * @param bank the bank code
     * @param outcome {@code success}, or the simple name of the error's type
     * @param nanos how long it took
     * @param background whether it was a background refresh
     */
    default void requestCompleted(String bank, String outcome, long nanos, boolean background) {
    }

    /**
     * A call to the bank's API was refused for its rate limit: by the bank (403 {@code TMRQ} or 429), or held back
     * by {@code BankApiClients} without being sent while the bank's pause runs.
     *
     * @param bank the bank code
     * @param heldBack {@code false} when the bank refused the call, {@code true} when it was never sent
     */
    default void apiRateLimited(String bank, boolean heldBack) {
    }

    /**
     * Whether the hot path should count cache hits; read once, when the token manager is built.
     *
     * @return true to count them (one {@code LongAdder} increment per cached call, see docs/performance.md)
     */
    default boolean countsHits() {
        return false;
    }

    /** Live, read-only counters of one cache slot. */
    interface SlotCounters {
        /** @return token requests sent, retries included */
        long requests();

        /** @return failed token requests */
        long failures();

        /** @return background refreshes started */
        long backgroundRefreshes();

        /** @return calls served from the cache (counted only when {@link TokenMetrics#countsHits()}) */
        long hits();

        /** @return tokens evicted after the bank's API answered 403 "Invalid token" */
        long invalidTokenRecoveries();

        /** @return callers failed at once because the bank was slow and too many waited already */
        default long busyRefusals() {
            return 0;
        }

        /** @return callers failed at once because the bank's circuit was open */
        default long circuitRefusals() {
            return 0;
        }

        /** @return callers given a recent failure again, without a request, during its back-off */
        default long backoffRefusals() {
            return 0;
        }

        /**
         * @return tokens taken from the cluster's shared state instead of being requested (0 on a single node):
         *         with {@link #requests()}, tells whether the nodes share their tokens
         */
        default long sharedInstalls() {
            return 0;
        }

        /** @return tokens this node obtained and published to the cluster's shared state (0 on a single node) */
        default long sharedPublishes() {
            return 0;
        }

        /** @return age of the cached token in seconds, or -1 when none is cached */
        double tokenAgeSeconds();

        /** @return seconds until the cached token is dropped, or -1 when none is cached */
        double tokenExpiresInSeconds();

        /** @return 1 while the bank's circuit is open, else 0 */
        double circuitOpen();
    }
}
