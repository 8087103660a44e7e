package io.psd2token.metrics;

import io.psd2token.token.TokenMetrics;
import jakarta.enterprise.inject.Instance;
import java.util.ArrayList;
import java.util.List;

/**
 * Which {@link TokenMetrics} the token manager reports to: the application's own bean if it has one, else the
 * library's Micrometer binding where the server provides Micrometer, else none.
 */
public final class MetricsBinding {

    // Named rather than referenced: the class only loads where Micrometer exists.
    private static final String BUILT_IN = "io.psd2token.metrics.MicrometerTokenMetrics";

    private MetricsBinding() {
    }

    /**
     * Chooses the binding.
     *
     * @param beans every CDI bean implementing {@link TokenMetrics}
     * @param enabled {@code psd2.metrics.enabled}
     * @param problems where a problem for the start-up report goes (two application beans)
     * @return the binding, or {@link TokenMetrics#NONE}
     */
    public static TokenMetrics choose(Instance<TokenMetrics> beans, boolean enabled, List<String> problems) {
        if (!enabled) {
            return TokenMetrics.NONE;
        }
        List<Instance.Handle<TokenMetrics>> own = new ArrayList<>();
        Instance.Handle<TokenMetrics> builtIn = null;
        for (Instance.Handle<TokenMetrics> handle : beans.handles()) {
            if (handle.getBean().getBeanClass().getName().equals(BUILT_IN)) {
                builtIn = handle;
            } else {
                own.add(handle);
            }
        }
        if (own.size() > 1) {
            problems.add("several beans implement TokenMetrics (" + own.stream()
                    .map(h -> h.getBean().getBeanClass().getName()).sorted().toList()
                    + "): keep one, or set psd2.metrics.enabled=false");
            return TokenMetrics.NONE;
        }
        if (own.size() == 1) {
            return own.get(0).get();
        }
        return builtIn != null ? builtIn.get() : TokenMetrics.NONE;
    }
}
