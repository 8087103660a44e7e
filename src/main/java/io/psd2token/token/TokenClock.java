package io.psd2token.token;

import java.time.Instant;

/**
 * The time source of the token cache, injected so that tests drive time instead of sleeping.
 *
 * <p>Expiry decisions use only {@link #nanoTime()}, a monotonic clock, so wall-clock jumps (NTP, DST, an
 * operator setting the date) can neither keep an expired token alive nor throw away a good one.
 * {@link #now()} is used only to show an expiry instant to people.
 */
public interface TokenClock {

    /**
     * Monotonic nanoseconds, as {@link System#nanoTime()}: only differences are meaningful.
     *
     * @return the current reading, never smaller than an earlier one; compare readings by subtraction
     */
    long nanoTime();

    /**
     * The wall-clock instant, for display only.
     *
     * @return the current instant; never used to decide whether a token has expired
     */
    Instant now();

    /**
     * The JVM clocks.
     *
     * @return the shared clock backed by {@link System#nanoTime()} and {@link Instant#now()}
     */
    static TokenClock system() {
        return SystemTokenClock.INSTANCE;
    }
}
