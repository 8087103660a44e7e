package io.psd2token.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.psd2token.token.TokenMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * psd2-token's meters in the server's Micrometer registry (WildFly's micrometer subsystem; see
 * {@code server-config/configure-metrics.cli}). Per bank and scope: token requests, failures, background
 * refreshes, cache hits, 403 "Invalid token" recoveries, token age, time to expiry, circuit state; per bank
 * and outcome: a request duration histogram. docs/operations.md lists the names.
 *
 * <p>On a server without Micrometer this class cannot be loaded, so CDI ignores it and the library reports
 * no metrics; nothing else changes.
 */
@ApplicationScoped
public class MicrometerTokenMetrics implements TokenMetrics {

    @Inject
    MeterRegistry registry;

    // Micrometer holds function-based meters' objects weakly: keep the slot counters alive here.
    private final List<SlotCounters> counters = new CopyOnWriteArrayList<>();

    @Override
    public boolean countsHits() {
        return true;
    }

    @Override
    public void slotCreated(String bank, String scope, SlotCounters slot) {
        counters.add(slot);
        Tags tags = Tags.of("bank", bank, "scope", scope);
        counter("psd2.token.requests", "Token requests sent, retries included", slot, SlotCounters::requests, tags);
        counter("psd2.token.failures", "Failed token requests", slot, SlotCounters::failures, tags);
        counter("psd2.token.background.refreshes", "Token refreshes run in the background while a stale token"
                + " was served", slot, SlotCounters::backgroundRefreshes, tags);
        counter("psd2.token.cache.hits", "Calls served from the cache", slot, SlotCounters::hits, tags);
        counter("psd2.token.invalid.recoveries", "Tokens evicted after the bank's API answered 403 Invalid token",
                slot, SlotCounters::invalidTokenRecoveries, tags);
        Gauge.builder("psd2.token.age", slot, SlotCounters::tokenAgeSeconds).baseUnit("seconds")
                .description("Age of the cached token, -1 when none").tags(tags).register(registry);
        Gauge.builder("psd2.token.expires.in", slot, SlotCounters::tokenExpiresInSeconds).baseUnit("seconds")
                .description("Time until the cached token is dropped, -1 when none").tags(tags).register(registry);
        Gauge.builder("psd2.token.circuit.open", slot, SlotCounters::circuitOpen)
                .description("1 while the bank's circuit breaker is open").tags(tags).register(registry);
    }

    @Override
    public void requestCompleted(String bank, String outcome, long nanos, boolean background) {
        Timer.builder("psd2.token.request.duration")
                .description("Duration of token requests to the bank")
                .tags("bank", bank, "outcome", outcome, "background", Boolean.toString(background))
                .publishPercentileHistogram()
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    private void counter(String name, String description, SlotCounters slot,
            java.util.function.ToDoubleFunction<SlotCounters> value, Tags tags) {
        FunctionCounter.builder(name, slot, value).description(description).tags(tags).register(registry);
    }
}
