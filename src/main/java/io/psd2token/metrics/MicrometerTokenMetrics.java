package io.psd2token.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.psd2token.internal.config.Psd2Keys;
import io.psd2token.token.TokenMetrics;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;

/**
 * psd2-token's meters in the deployment's Micrometer registry, which WildFly's micrometer subsystem provides
 * and exports, e.g. to Prometheus at {@code /prometheus} on the management interface (see
 * {@code server-config/configure-metrics.cli}; docs/operations.md lists every name).
 *
 * <p>Meters are registered by name ({@code registry.counter(name, tags)} and kin), the only way a
 * deployment's meters reach the server's registries in WildFly 39.0.1, and removed when the application
 * stops so that a redeployment starts from fresh meters.
 *
 * <p>On a server without Micrometer this class cannot be loaded and CDI skips it; with Micrometer classes but
 * no registry to inject it reports nothing. Either way the library works the same, without metrics.
 */
@ApplicationScoped
public class MicrometerTokenMetrics implements TokenMetrics {

    private static final Logger LOG = Logger.getLogger(MicrometerTokenMetrics.class.getName());

    @Inject
    Instance<MeterRegistry> registries;

    @Inject
    Config config;

    private MeterRegistry registry;
    private boolean countHits = true;
    private final Set<Meter> registered = ConcurrentHashMap.newKeySet();
    // Micrometer holds function meters' objects weakly: the maps below are their strong references, and each
    // entry leaves with what it measures, so that slots coming and going leave nothing behind.
    private final Map<String, LatencyBuckets> latencyByBank = new ConcurrentHashMap<>();
    // The counters and meters of each (bank, scope), so that a slot that leaves takes its meters with it.
    private final Map<String, SlotMeters> bySlot = new ConcurrentHashMap<>();
    // Per bank, its slots in use: they share the bank's circuit, which one gauge per bank reads from any of them.
    // Guarded by itself: slots come and go rarely, and a bank's gauge must follow its first and last slot exactly.
    private final Map<String, Set<SlotCounters>> circuitSources = new java.util.HashMap<>();

    /** For CDI. */
    public MicrometerTokenMetrics() {
    }

    /**
     * Reports to the given registry; for use outside CDI.
     *
     * @param registry where the meters are registered
     */
    public MicrometerTokenMetrics(MeterRegistry registry) {
        this(registry, true);
    }

    /**
     * Reports to the given registry, counting cache hits or not; for use outside CDI.
     *
     * @param registry where the meters are registered
     * @param countHits whether cache hits are counted (one {@code LongAdder} increment per cached call)
     */
    public MicrometerTokenMetrics(MeterRegistry registry, boolean countHits) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.countHits = countHits;
    }

    @PostConstruct
    void start() {
        // An invalid value is in the start-up report already (read by Psd2Config): the default stands in here.
        try {
            countHits = Psd2Keys.METRICS_CACHE_HITS.read(key -> config.getOptionalValue(key, String.class)).orElse(true);
        } catch (RuntimeException e) {
            countHits = true;
        }
        if (registries.isResolvable()) {
            registry = registries.get();
        } else {
            LOG.fine("no MeterRegistry to inject (is the micrometer subsystem configured?): no psd2-token metrics");
        }
    }

    /** Removes every meter this binding registered, so that a redeployment does not find stale ones. */
    @PreDestroy
    public void stop() {
        if (registry != null) {
            registered.forEach(registry::remove);
        }
        registered.clear();
        bySlot.clear();
        synchronized (circuitSources) {
            circuitSources.clear();
        }
        latencyByBank.clear();
    }

    /**
     * Whether meters are being registered.
     *
     * @return false when there is no registry (nothing is reported)
     */
    public boolean active() {
        return registry != null;
    }

    @Override
    public boolean countsHits() {
        return active() && countHits;
    }

    @Override
    public void slotCreated(String bank, String scope, SlotCounters slot) {
        if (!active()) {
            return;
        }
        Tags tags = Tags.of("bank", bank, "scope", scope);
        List<Meter> meters = new CopyOnWriteArrayList<>();
        meters.add(counter("psd2.token.requests", tags, slot, SlotCounters::requests));
        meters.add(counter("psd2.token.failures", tags, slot, SlotCounters::failures));
        meters.add(counter("psd2.token.refreshes", tags, slot, SlotCounters::backgroundRefreshes));
        if (countHits) {
            meters.add(counter("psd2.token.cache.hits", tags, slot, SlotCounters::hits));
        }
        meters.add(counter("psd2.token.invalid.recoveries", tags, slot, SlotCounters::invalidTokenRecoveries));
        // In a cluster: tokens taken from the other nodes instead of requested, and this node's own shared with them.
        meters.add(counter("psd2.token.shared.installs", tags, slot, SlotCounters::sharedInstalls));
        meters.add(counter("psd2.token.shared.publishes", tags, slot, SlotCounters::sharedPublishes));
        // Callers failed before any request: the operator's view of BankBusy, CircuitOpen and replayed failures.
        meters.add(counter("psd2.token.callers.refused", tags.and("reason", "busy"), slot, SlotCounters::busyRefusals));
        meters.add(counter("psd2.token.callers.refused", tags.and("reason", "circuit-open"), slot,
                SlotCounters::circuitRefusals));
        meters.add(counter("psd2.token.callers.refused", tags.and("reason", "backoff"), slot,
                SlotCounters::backoffRefusals));
        meters.add(add(registry.more().timeGauge("psd2.token.age", tags, slot, TimeUnit.SECONDS,
                SlotCounters::tokenAgeSeconds)));
        meters.add(add(registry.more().timeGauge("psd2.token.expires.in", tags, slot, TimeUnit.SECONDS,
                SlotCounters::tokenExpiresInSeconds)));
        bySlot.put(bank + " " + scope, new SlotMeters(slot, meters));
        // The circuit is the bank's, shared by its scopes: one gauge per bank, reading any of its slots in use.
        synchronized (circuitSources) {
            Set<SlotCounters> sources = circuitSources.get(bank);
            if (sources == null) {
                sources = ConcurrentHashMap.newKeySet();
                circuitSources.put(bank, sources);
                registry.gauge("psd2.bank.circuit.open", Tags.of("bank", bank), sources,
                        set -> set.stream().findAny().map(SlotCounters::circuitOpen).orElse(0.0));
                add(registry.find("psd2.bank.circuit.open").tags(Tags.of("bank", bank)).gauge());
            }
            sources.add(slot);
        }
    }

    @Override
    public void apiRateLimited(String bank, boolean heldBack) {
        if (active()) {
            var counter = registry.counter("psd2.api.rate.limited", Tags.of("bank", bank, "by",
                    heldBack ? "held-back" : "bank"));
            registered.add(counter);
            counter.increment();
        }
    }

    @Override
    public void slotRemoved(String bank, String scope) {
        SlotMeters gone = bySlot.remove(bank + " " + scope);
        if (registry == null || gone == null) {
            return;
        }
        gone.meters().forEach(this::remove);
        synchronized (circuitSources) {
            Set<SlotCounters> sources = circuitSources.get(bank);
            if (sources != null && sources.remove(gone.counters()) && sources.isEmpty()) {
                circuitSources.remove(bank);
                Meter circuit = registry.find("psd2.bank.circuit.open").tags(Tags.of("bank", bank)).gauge();
                if (circuit != null) {
                    remove(circuit);
                }
            }
        }
    }

    private void remove(Meter meter) {
        registry.remove(meter);
        registered.remove(meter);
    }

    /** What one (bank, scope) is measured from, and the meters that read it. */
    private record SlotMeters(SlotCounters counters, List<Meter> meters) {
    }

    @Override
    public void requestCompleted(String bank, String outcome, long nanos, boolean background) {
        if (!active()) {
            return;
        }
        var timer = registry.timer("psd2.token.request.duration",
                Tags.of("bank", bank, "outcome", outcome, "background", Boolean.toString(background)));
        registered.add(timer);
        timer.record(nanos, TimeUnit.NANOSECONDS);
        latencyByBank.computeIfAbsent(bank, this::registerBuckets).record(nanos);
    }

    private LatencyBuckets registerBuckets(String bank) {
        LatencyBuckets buckets = new LatencyBuckets();
        for (int i = 0; i < buckets.size(); i++) {
            int bucket = i;
            counter("psd2.token.request.duration.buckets", Tags.of("bank", bank, "le", buckets.label(i)), buckets,
                    b -> b.cumulative(bucket));
        }
        return buckets;
    }

    private <T> Meter counter(String name, Tags tags, T source, ToDoubleFunction<T> value) {
        return add(registry.more().counter(name, tags, source, value));
    }

    private Meter add(Meter meter) {
        if (meter != null) {
            registered.add(meter);
        }
        return meter;
    }
}
