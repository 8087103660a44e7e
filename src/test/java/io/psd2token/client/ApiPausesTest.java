package io.psd2token.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.TestClock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A bank's API pause after a rate limit: how long, capped, per bank, ended on the monotonic clock. */
class ApiPausesTest {

    private final TestClock clock = new TestClock();
    private final ApiPauses pauses = new ApiPauses(clock, Duration.ofSeconds(10), Duration.ofMinutes(2));

    @Test
    void withoutRetryAfterTheConfiguredPauseRunsThenCallsGoAgain() {
        assertEquals(Optional.empty(), pauses.remaining("13807"));
        assertEquals(Duration.ofSeconds(10), pauses.pause("13807", null));
        clock.advance(Duration.ofSeconds(4));
        assertEquals(Optional.of(Duration.ofSeconds(6)), pauses.remaining("13807"));
        assertEquals(Optional.empty(), pauses.remaining("17515"), "one bank's limit is not another's");
        clock.advance(Duration.ofSeconds(6));
        assertEquals(Optional.empty(), pauses.remaining("13807"));
    }

    @Test
    void retryAfterIsHonouredAsSecondsOrDateAndCapped() {
        assertEquals(Duration.ofSeconds(7), pauses.pause("13807", "7"));
        assertEquals(Duration.ofMinutes(2), pauses.pause("17515", "9999999999"), "capped by psd2.retry-after-max");
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.now().plusSeconds(30)
                .atZone(java.time.ZoneOffset.UTC));
        assertEquals(Duration.ofSeconds(30), pauses.pause("11315", date));
        assertEquals(Duration.ofSeconds(10), pauses.pause("11425", "soon"), "unreadable: the configured pause");
        assertEquals(Duration.ZERO, pauses.pause("12135", "0"), "the bank says go on");
        assertEquals(Optional.empty(), pauses.remaining("12135"));
    }

    @Test
    void aShorterRefusalNeverShortensARunningPause() {
        pauses.pause("13807", "60");
        pauses.pause("13807", "1");
        clock.advance(Duration.ofSeconds(30));
        assertTrue(pauses.remaining("13807").isPresent());
    }

    @Test
    void aWallClockJumpNeitherEndsNorStretchesAPause() {
        pauses.pause("13807", null);
        clock.jumpWallClock(Duration.ofDays(1));
        assertEquals(Optional.of(Duration.ofSeconds(10)), pauses.remaining("13807"));
        clock.jumpWallClock(Duration.ofDays(-2));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Optional.empty(), pauses.remaining("13807"));
    }

    @Test
    void aZeroPauseHoldsNothingBack() {
        ApiPauses none = new ApiPauses(clock, Duration.ZERO, Duration.ofMinutes(2));
        assertEquals(Duration.ZERO, none.pause("13807", null));
        assertEquals(Optional.empty(), none.remaining("13807"));
    }
}
