package io.psd2token.internal.token;

import java.time.Duration;

/**
 * Arithmetic on nanoseconds that cannot overflow into nonsense.
 *
 * <p>Durations (a configured back-off, a bank's Retry-After) saturate at {@link #MAX} — 146 years, "as long as
 * possible" — instead of throwing in the middle of a failure path. Points in time are monotonic-clock readings,
 * which may sit anywhere on the {@code long} line and wrap around ({@link System#nanoTime()}): they are only ever
 * compared by subtraction, which stays right as long as two points are less than 2<sup>63</sup> ns apart — hence
 * the cap on durations, and {@link #at} adds a capped duration to a point with plain, wrapping arithmetic.
 */
final class Nanos {

    /** The longest duration the core works with: 2<sup>62</sup> ns, about 146 years. */
    static final long MAX = 1L << 62;

    private Nanos() {
    }

    /** The duration in nanoseconds, at most {@link #MAX}; 0 for a negative one. */
    static long of(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        return d.compareTo(Duration.ofNanos(MAX)) >= 0 ? MAX : d.toNanos();
    }

    /** {@code a + b} for durations, at most {@link #MAX}. */
    static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 || sum > MAX ? MAX : sum;
    }

    /** The point {@code delay} after {@code now}: compare it with other points by subtraction only. */
    static long at(long now, long delay) {
        return now + Math.min(Math.max(delay, 0), MAX);
    }

    /** {@code base << shift} for a non-negative base, capped at {@code cap}. */
    static long doubled(long base, int shift, long cap) {
        if (base <= 0) {
            return 0;
        }
        int s = Math.min(shift, 62);
        return base > (cap >> s) ? cap : Math.min(cap, base << s);
    }
}
