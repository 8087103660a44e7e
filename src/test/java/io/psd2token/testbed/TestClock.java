package io.psd2token.testbed;

import io.psd2token.token.TokenClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one test clock: stands still until a test moves it, for the token manager's monotonic time
 * ({@link TokenClock}) and, through {@link #asClock()}, for anything that takes a {@link java.time.Clock}.
 * Starts near the wrap-around of nanoTime, so that every comparison must be done by subtraction.
 *
 * <p>It also counts the monotonic reads (the fast path makes none) and can hold one chosen thread inside a read,
 * to replay an interleaving step by step. {@link #realTime()} makes one that follows the JVM's clocks and that a
 * test can still move forward (past a Retry-After) without waiting. Thread-safe.
 */
public final class TestClock implements TokenClock {

    private final boolean real;
    private long nanos = Long.MAX_VALUE - Duration.ofMinutes(30).toNanos();
    private Instant wall = Instant.parse("2026-11-25T10:00:00Z");
    private final AtomicInteger reads = new AtomicInteger();
    private volatile Thread toPause;
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resume = new CountDownLatch(1);

    /** A clock standing still until moved. */
    public TestClock() {
        this(false);
    }

    private TestClock(boolean real) {
        this.real = real;
        if (real) {
            nanos = 0;
            wall = null;
        }
    }

    /** @return a clock that follows the JVM's clocks, plus whatever {@link #advance} added */
    public static TestClock realTime() {
        return new TestClock(true);
    }

    @Override
    public long nanoTime() {
        reads.incrementAndGet();
        if (Thread.currentThread() == toPause) {
            toPause = null;
            paused.countDown();
            try {
                resume.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            return real ? System.nanoTime() + nanos : nanos;
        }
    }

    @Override
    public synchronized Instant now() {
        return real ? Instant.now().plusNanos(nanos).plus(wallOffset) : wall;
    }

    private Duration wallOffset = Duration.ZERO;

    /** Moves both clocks forward. */
    public synchronized void advance(Duration d) {
        nanos += d.toNanos();
        if (!real) {
            wall = wall.plus(d);
        }
    }

    /** Moves only the wall clock, as NTP or an operator would. */
    public synchronized void jumpWallClock(Duration d) {
        if (real) {
            wallOffset = wallOffset.plus(d);
        } else {
            wall = wall.plus(d);
        }
    }

    /** @return monotonic reads so far */
    public int reads() {
        return reads.get();
    }

    /** Holds {@code thread} inside its next monotonic read until {@link #resume()}. */
    public void pause(Thread thread) {
        toPause = thread;
    }

    /** Waits until the thread chosen by {@link #pause} is held; false after 5 s. */
    public boolean awaitPaused() throws InterruptedException {
        return paused.await(5, TimeUnit.SECONDS);
    }

    /** Lets the held thread go on. */
    public void resume() {
        resume.countDown();
    }

    /** @return a {@link Clock} reading this clock's wall time, in UTC */
    public Clock asClock() {
        TestClock self = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return self.now();
            }
        };
    }
}
