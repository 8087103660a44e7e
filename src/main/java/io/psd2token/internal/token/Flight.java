package io.psd2token.internal.token;

import java.util.concurrent.CompletableFuture;

/**
 * The one token request in flight for a slot: every caller waiting for the slot's token waits on its
 * {@link #future}, which is always settled (by {@code TokenManager}'s one settle step, whatever was thrown).
 */
final class Flight {

    /** Put in a slot's flight place when the slot leaves the registry: nobody can start a request on it. */
    static final Flight RETIRED = new Flight(0, false, 0);

    final CompletableFuture<CachedToken> future = new CompletableFuture<>();
    final long startNanos;
    final boolean background;
    /** The credentials epoch the current attempt runs in; moves on if credentials change mid-request. */
    volatile long epoch;
    /** Whether this flight holds the bank circuit's right to send (released when it settles). */
    volatile boolean holdsCircuit;
    /** Attempts begun again because the credentials changed while they were in flight. */
    int restarts;
    /** The cluster lease this flight holds (its value), or null: released when the flight settles. */
    volatile String lease;

    Flight(long startNanos, boolean background, long epoch) {
        this.startNanos = startNanos;
        this.background = background;
        this.epoch = epoch;
    }
}
