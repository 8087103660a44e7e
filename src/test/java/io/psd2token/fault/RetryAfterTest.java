package io.psd2token.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.psd2token.internal.http.RetryAfter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code Retry-After} as 429 and 503 answers carry it (RFC 9110 §10.2.3), all three date forms included. */
class RetryAfterTest {

    private static final Instant NOW = Instant.parse("1994-11-06T08:49:00Z");
    private static final Duration LONG = Duration.ofDays(1);

    @Test
    void delaySecondsAreReadAsThey() {
        assertEquals(Optional.of(Duration.ofSeconds(120)), RetryAfter.parse("120", NOW, LONG));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("0", NOW, LONG));
        assertEquals(Optional.of(Duration.ofSeconds(7)), RetryAfter.parse(" 7 ", NOW, LONG));
    }

    @Test
    void imfFixdateIsMeasuredFromNow() {
        assertEquals(Optional.of(Duration.ofSeconds(37)), RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW, LONG));
    }

    @Test
    void obsoleteRfc850AndAsctimeDatesAreAcceptedAsTheRfcRequires() {
        assertEquals(Optional.of(Duration.ofSeconds(37)), RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", NOW, LONG));
        assertEquals(Optional.of(Duration.ofSeconds(37)), RetryAfter.parse("Sun Nov  6 08:49:37 1994", NOW, LONG));
    }

    @Test
    void aDateInThePastMeansNow() {
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", NOW, LONG));
    }

    @Test
    void theClockOverloadReadsNowFromTheClock() {
        assertEquals(Optional.of(Duration.ofSeconds(37)), RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT",
                Clock.fixed(NOW, ZoneOffset.UTC), LONG));
    }

    @Test
    void aFarDelayIsCutToTheMaximumWhereItIsRead() {
        // Hardening item 2a (docs/testing.md): a year-9999 date or ten digits of seconds once overflowed toNanos() in the failure
        // path; both are now cut when parsed, and no arithmetic on them can overflow.
        Duration max = Duration.ofMinutes(2);
        assertEquals(Optional.of(max), RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", NOW, max));
        assertEquals(Optional.of(max), RetryAfter.parse("9999999999", NOW, max));
        assertEquals(Optional.of(max), RetryAfter.parse("86400", NOW, max));
        assertEquals(Optional.of(Duration.ofSeconds(90)), RetryAfter.parse("90", NOW, max), "shorter ones unchanged");
        assertEquals(Duration.ofSeconds(90).toNanos(), RetryAfter.parse("90", NOW, max).orElseThrow().toNanos());
    }

    @Test
    void anythingElseIsIgnoredRatherThanGuessed() {
        for (String value : new String[] { null, "", "-5", "1.5", "soon", "99999999999", "Sun, 06 Nov 1994",
                "x".repeat(100) }) {
            assertEquals(Optional.empty(), RetryAfter.parse(value, NOW, LONG), String.valueOf(value));
        }
    }
}
