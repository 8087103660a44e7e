package io.psd2token.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LatencyBucketsTest {

    @Test
    void bucketsAreCumulativeWithTheBoundInclusiveAndAnInfiniteLast() {
        LatencyBuckets buckets = new LatencyBuckets();
        buckets.record(Duration.ofMillis(25).toNanos()); // on the first bound: in it
        buckets.record(Duration.ofMillis(26).toNanos());
        buckets.record(Duration.ofSeconds(3).toNanos());
        buckets.record(Duration.ofMinutes(2).toNanos()); // beyond every bound
        assertEquals(LatencyBuckets.BOUNDS.size() + 1, buckets.size());
        assertEquals("0.025", buckets.label(0));
        assertEquals("1.0", buckets.label(5));
        assertEquals("+Inf", buckets.label(buckets.size() - 1));
        assertEquals(1, buckets.cumulative(0));
        assertEquals(2, buckets.cumulative(1));
        assertEquals(2, buckets.cumulative(6), "2.5 s");
        assertEquals(3, buckets.cumulative(7), "5 s");
        assertEquals(3, buckets.cumulative(buckets.size() - 2), "30 s");
        assertEquals(4, buckets.cumulative(buckets.size() - 1), "+Inf counts all");
    }
}
