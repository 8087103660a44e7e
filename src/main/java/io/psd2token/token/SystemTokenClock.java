package io.psd2token.token;

import java.time.Instant;

/** {@link TokenClock} backed by {@link System#nanoTime()} and {@link Instant#now()}. */
enum SystemTokenClock implements TokenClock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }
}
