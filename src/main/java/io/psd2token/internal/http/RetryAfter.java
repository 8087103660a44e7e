package io.psd2token.internal.http;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110 §10.2.3): how long a bank that answered 429 or 503 asks
 * the client to wait before trying again.
 *
 * <p>The value is either a number of seconds ({@code 120}) or an HTTP-date ({@code Fri, 31 Dec 1999 23:59:59
 * GMT}). RFC 9110 §5.6.7 requires recipients to accept the two obsolete date forms too (RFC 850 and asctime),
 * so they are accepted. A date in the past means "now" (zero). The result is capped where it is read, so that a
 * far date (year 9999) or ten digits of seconds can neither overflow later arithmetic nor keep a bank silent for
 * a day.
 */
public final class RetryAfter {

    private static final Pattern DELAY_SECONDS = Pattern.compile("[0-9]{1,10}");
    private static final int MAX_LENGTH = 64;

    // RFC 9110 §5.6.7 obs-date, second form, C's asctime(): "Sun Nov  6 08:49:37 1994" (day padded with a space).
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .appendPattern("EEE MMM ")
            .padNext(2)
            .appendValue(ChronoField.DAY_OF_MONTH, 1, 2, SignStyle.NOT_NEGATIVE)
            .appendPattern(" HH:mm:ss yyyy")
            .toFormatter(Locale.US);

    private RetryAfter() {
    }

    /**
     * @param value the header value, or {@code null} when the bank sent none
     * @param now the current instant, against which an HTTP-date is measured
     * @param max the longest delay honoured: a longer one is cut to it
     * @return the delay asked for, at most {@code max}; zero for a date in the past; empty when the header is
     *         absent or unreadable
     */
    public static Optional<Duration> parse(String value, Instant now, Duration max) {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(max, "max");
        if (value == null) {
            return Optional.empty();
        }
        String v = value.strip();
        if (v.isEmpty() || v.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        if (DELAY_SECONDS.matcher(v).matches()) {
            // Ten digits at most, so this never overflows a long of seconds.
            Duration delay = Duration.ofSeconds(Long.parseLong(v));
            return Optional.of(delay.compareTo(max) > 0 ? max : delay);
        }
        return date(v, now).map(at -> {
            if (!at.isAfter(now)) {
                return Duration.ZERO;
            }
            // Compared as instants, so that a far date never becomes a Duration too large for nanoseconds.
            return at.isAfter(now.plus(max)) ? max : Duration.between(now, at);
        });
    }

    /**
     * As {@link #parse(String, Instant, Duration)}, reading "now" from {@code clock}.
     *
     * @param value the header value, or {@code null} when the bank sent none
     * @param clock the clock an HTTP-date is measured against; read once
     * @param max the longest delay honoured
     * @return the delay asked for, at most {@code max}, zero for a date in the past, or empty when absent or unreadable
     */
    public static Optional<Duration> parse(String value, Clock clock, Duration max) {
        return parse(value, clock.instant(), max);
    }

    private static Optional<Instant> date(String v, Instant now) {
        for (DateTimeFormatter format : new DateTimeFormatter[] {
                // IMF-fixdate, the only form a sender may generate (RFC_1123_DATE_TIME reads it).
                DateTimeFormatter.RFC_1123_DATE_TIME, rfc850(now), ASCTIME }) {
            try {
                return Optional.of(format == DateTimeFormatter.RFC_1123_DATE_TIME
                        ? ZonedDateTime.parse(v, format).toInstant()
                        : LocalDateTime.parse(v, format).toInstant(ZoneOffset.UTC));
            } catch (DateTimeException e) {
                // Try the next form.
            }
        }
        return Optional.empty();
    }

    /**
     * RFC 9110 §5.6.7 obs-date, first form: "Sunday, 06-Nov-94 08:49:37 GMT". Its two-digit year is read
     * as the year with those digits that is at most 50 years ahead of {@code now}, as the RFC requires.
     */
    private static DateTimeFormatter rfc850(Instant now) {
        int base = now.atZone(ZoneOffset.UTC).getYear() - 49;
        return new DateTimeFormatterBuilder()
                .parseCaseInsensitive()
                .appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, base)
                .appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.US);
    }
}
