package io.psd2token.internal.config;

import io.psd2token.error.ConfigurationException;
import io.psd2token.error.SafeText;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One MicroProfile Config key of the library: its name, type, default, allowed range, and the one way it is
 * read. Every key is a constant of {@link Psd2Keys}; {@link Psd2Config} reads them all through one problem
 * collector, so every invalid value joins the single start-up report.
 *
 * @param <T> the value's type
 */
public final class Key<T> {

    private static final Pattern SIMPLE_DURATION = Pattern.compile("([0-9]{1,9})\\s*(ms|s|m|h|d)?");

    private final String name;
    private final String defaultText;
    private final String range;
    private final Function<String, T> parser;

    private Key(String name, String defaultText, String range, Function<String, T> parser) {
        this.name = Objects.requireNonNull(name, "name");
        this.defaultText = defaultText;
        this.range = Objects.requireNonNull(range, "range");
        this.parser = Objects.requireNonNull(parser, "parser");
    }

    /**
     * A key read by a parser of its own.
     *
     * @param name the key
     * @param defaultText the default as an operator would write it, or {@code null} for none
     * @param range what a valid value looks like, for messages and the docs
     * @param parser reads the trimmed text; throws {@link IllegalArgumentException} saying what is wrong
     * @param <T> the value's type
     * @return the key
     */
    public static <T> Key<T> of(String name, String defaultText, String range, Function<String, T> parser) {
        return new Key<>(name, defaultText, range, parser);
    }

    /**
     * A duration between {@code min} and {@code max} (see {@link #parseDuration}); {@code zeroMeans} names what
     * zero does when zero is allowed outside that range (e.g. "never").
     *
     * @param name the key
     * @param defaultText the default, e.g. {@code 30s}
     * @param min the smallest valid value
     * @param max the largest valid value
     * @param zeroAllowed whether {@code 0} is valid even when below {@code min}
     * @return the key
     */
    public static Key<Duration> duration(String name, String defaultText, Duration min, Duration max,
            boolean zeroAllowed) {
        String range = (zeroAllowed && !min.isZero() ? "0, or " : "") + "from " + show(min) + " to " + show(max);
        return new Key<>(name, defaultText, range, text -> {
            Duration d = parseDuration(text);
            boolean zero = d.isZero() && zeroAllowed;
            if (!zero && (d.compareTo(min) < 0 || d.compareTo(max) > 0)) {
                throw new IllegalArgumentException("must be " + range);
            }
            return d;
        });
    }

    /**
     * A whole number between {@code min} and {@code max}.
     *
     * @param name the key
     * @param defaultValue the default
     * @param min the smallest valid value
     * @param max the largest valid value
     * @return the key
     */
    public static Key<Integer> count(String name, int defaultValue, int min, int max) {
        String range = "a whole number from " + min + " to " + max;
        return new Key<>(name, Integer.toString(defaultValue), range, text -> {
            try {
                int n = Integer.parseInt(text);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // Reported below.
            }
            throw new IllegalArgumentException("must be " + range);
        });
    }

    /**
     * {@code true} or {@code false}.
     *
     * @param name the key
     * @param defaultValue the default
     * @return the key
     */
    public static Key<Boolean> flag(String name, boolean defaultValue) {
        return new Key<>(name, Boolean.toString(defaultValue), "true or false", text ->
                switch (text.toLowerCase(Locale.ROOT)) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("must be true or false");
                });
    }

    /**
     * One of an enum's constants, written in lower case with {@code -} for {@code _}.
     *
     * @param name the key
     * @param type the enum
     * @param defaultValue the default
     * @param <E> the enum type
     * @return the key
     */
    public static <E extends Enum<E>> Key<E> choice(String name, Class<E> type, E defaultValue) {
        StringBuilder names = new StringBuilder();
        E[] constants = type.getEnumConstants();
        for (int i = 0; i < constants.length; i++) {
            names.append(i == 0 ? "" : i == constants.length - 1 ? " or " : ", ").append(text(constants[i]));
        }
        String range = names.toString();
        return new Key<>(name, defaultValue == null ? null : text(defaultValue), range, raw -> {
            for (E e : constants) {
                if (text(e).equals(raw.toLowerCase(Locale.ROOT).replace('_', '-'))) {
                    return e;
                }
            }
            throw new IllegalArgumentException("must be " + range);
        });
    }

    /**
     * Free text, trimmed; no default.
     *
     * @param name the key
     * @param range what a valid value looks like
     * @return the key
     */
    public static Key<String> text(String name, String range) {
        return new Key<>(name, null, range, text -> text);
    }

    /** @return the key, e.g. {@code psd2.refresh-skew} */
    public String name() {
        return name;
    }

    /** @return the default as an operator would write it, or empty when the key has none */
    public Optional<String> defaultText() {
        return Optional.ofNullable(defaultText);
    }

    /** @return what a valid value looks like */
    public String range() {
        return range;
    }

    /**
     * Reads the key.
     *
     * @param source looks a key up; blank values count as absent
     * @return the value, or the default; empty when absent without a default
     * @throws ConfigurationException naming the key, the value and the valid range
     */
    public Optional<T> read(Function<String, Optional<String>> source) {
        Optional<String> raw = source.apply(name).map(String::strip).filter(v -> !v.isEmpty());
        if (raw.isEmpty()) {
            return defaultText == null ? Optional.empty() : Optional.of(parser.apply(defaultText));
        }
        try {
            return Optional.of(parser.apply(raw.get()));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigurationException(name + " " + e.getMessage() + ", got \"" + SafeText.of(raw.get(), 80)
                    + "\"");
        }
    }

    /**
     * Accepts ISO-8601 ({@code PT30S}), whole seconds ({@code 30}) or a number with ms/s/m/h/d ({@code 500ms}).
     *
     * @param text the configured value
     * @return the duration written; negative ISO-8601 durations are returned as they are, for the range check
     * @throws IllegalArgumentException showing valid forms, when the text is no duration
     */
    public static Duration parseDuration(String text) {
        Matcher m = SIMPLE_DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("is not a duration; write e.g. 30 (seconds), 500ms, 5m, 1h or PT30S");
        }
    }

    private static String text(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String show(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 86400 == 0 && s >= 172800 ? s / 86400 + "d" : s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m"
                : s + "s";
    }

    @Override
    public String toString() {
        return name;
    }
}
