package io.psd2token.token;

import java.time.Duration;
import java.time.Instant;

/** A {@link TokenClock} that moves only when a test says so; starts near the wrap-around of nanoTime. */
final class FakeClock implements TokenClock {

    private long nanos = Long.MAX_VALUE - Duration.ofMinutes(30).toNanos();
    private Instant wall = Instant.parse("2026-11-25T10:00:00Z");

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant now() {
        return wall;
    }

    synchronized void advance(Duration d) {
        nanos += d.toNanos();
        wall = wall.plus(d);
    }

    /** Moves only the wall clock, as NTP or an operator would. */
    synchronized void jumpWallClock(Duration d) {
        wall = wall.plus(d);
    }
}
