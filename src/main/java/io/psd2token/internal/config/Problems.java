package io.psd2token.internal.config;

import io.psd2token.error.BankTokenException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one problem collector of the start-up: every invalid value becomes a line (its message names the key and the
 * fix) and a fallback stands in for it, so one report lists every problem at once.
 */
final class Problems {

    private final List<String> lines = new ArrayList<>();

    /** Runs one read; a typed error becomes a line, and {@code fallback} the value. */
    <T> T collect(Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (BankTokenException e) {
            lines.add(e.getMessage());
            return fallback;
        }
    }

    void add(String line) {
        lines.add(line);
    }

    /** @return each problem once, in the order found */
    List<String> lines() {
        return List.copyOf(new LinkedHashSet<>(lines));
    }
}
