package io.psd2token.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative latency buckets, as a Prometheus histogram counts them: bucket {@code i} holds every duration
 * at or below {@code bounds[i]}, and the last bucket ({@code +Inf}) holds all.
 *
 * <p>Why not a Micrometer {@code Timer} with {@code publishPercentileHistogram()}: WildFly 39.0.1 drops
 * meters registered through the builder API from a deployment's registry (WFLY-21339, fixed in 40) and
 * ignores their histogram settings (fixed in 41). Counters registered by name do reach the scrape, so the
 * buckets are kept here and published as one counter per bound.
 */
final class LatencyBuckets {

    /** Upper bounds of the buckets: a token request takes tens of ms against a healthy bank, seconds when not. */
    static final List<Duration> BOUNDS = List.of(Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));

    private final long[] boundNanos = BOUNDS.stream().mapToLong(Duration::toNanos).toArray();
    // One more than the bounds: the +Inf bucket. Non-cumulative here, summed on read.
    private final LongAdder[] counts = new LongAdder[boundNanos.length + 1];

    LatencyBuckets() {
        Arrays.setAll(counts, i -> new LongAdder());
    }

    void record(long nanos) {
        int i = 0;
        while (i < boundNanos.length && nanos > boundNanos[i]) {
            i++;
        }
        counts[i].increment();
    }

    /** How many bucket counters there are, the {@code +Inf} one included. */
    int size() {
        return counts.length;
    }

    /**
     * The Prometheus {@code le} label of bucket {@code i}: seconds, or {@code +Inf} for the last.
     *
     * @param i the bucket, from 0 to {@link #size()} - 1
     * @return e.g. {@code "0.025"}, {@code "1.0"}, {@code "+Inf"}
     */
    String label(int i) {
        return i == boundNanos.length ? "+Inf" : Double.toString(boundNanos[i] / 1e9);
    }

    /**
     * The durations recorded at or below bucket {@code i}'s bound.
     *
     * @param i the bucket, from 0 to {@link #size()} - 1
     * @return the cumulative count
     */
    long cumulative(int i) {
        long sum = 0;
        for (int j = 0; j <= i; j++) {
            sum += counts[j].sum();
        }
        return sum;
    }
}
