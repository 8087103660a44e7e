package io.psd2token.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.psd2token.error.BankTokenException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Scope;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.token.AccessToken;
import io.psd2token.internal.token.Resilience;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.psd2token.testbed.ManualTimer;
import io.psd2token.testbed.TestClock;
import java.util.concurrent.CompletableFuture;

/** The Micrometer binding fed by a real token manager; the scrape itself is tested in MetricsIT. */
class MicrometerTokenMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerTokenMetrics metrics = new MicrometerTokenMetrics(registry);
    private final TestClock time = new TestClock();
    private final ManualTimer timer = new ManualTimer(time);
    private final Jsonb jsonb = JsonbBuilder.create();
    private final AtomicInteger issued = new AtomicInteger();

    // 13807 answers with tokens, 17515 is down.
    private final TokenManager manager = TokenManager.builder()
            .banks(bank -> new BankEndpoints(bank, URI.create("https://bank.test/" + bank + "/token"),
                    URI.create("https://bank.test/" + bank + "/v1"), Scope.PISP))
            .clientId("PSDFR-ACPR-12345")
            .http((uri, form) -> CompletableFuture.completedFuture(uri.getPath().contains("17515")
                    ? new HttpReply(503, "application/json", "{\"error\":\"temporarily_unavailable\"}")
                    : new HttpReply(200, "application/json", "{\"access_token\":\"secret-" + issued.incrementAndGet()
                            + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")))
            .jsonb(jsonb).timer(timer).io(timer).clock(time).policy(TokenPolicy.DEFAULT).resilience(Resilience.NONE)
            .metrics(metrics).build();

    @AfterEach
    void close() throws Exception {
        jsonb.close();
    }

    @Test
    void requestsHitsRecoveriesFailuresLatencyAndTokenStateAreMeasuredPerBankAndScope() {
        AccessToken token = manager.token("13807");
        manager.token("13807");
        manager.token("13807");
        assertThrows(BankTokenException.class, () -> manager.token("17515"));
        manager.invalidate(token);

        assertEquals(1, count("psd2.token.requests", "13807"));
        assertEquals(2, count("psd2.token.cache.hits", "13807"));
        assertEquals(1, count("psd2.token.invalid.recoveries", "13807"));
        assertEquals(0, count("psd2.token.failures", "13807"));
        assertEquals(1, count("psd2.token.requests", "17515"));
        assertEquals(1, count("psd2.token.failures", "17515"));
        assertEquals(1, registry.get("psd2.token.request.duration").tags("bank", "13807", "outcome", "success",
                "background", "false").timer().count());
        assertEquals(1, registry.get("psd2.token.request.duration").tags("bank", "17515", "outcome",
                "TokenRequestRejectedException").timer().count());
        assertEquals(1, registry.get("psd2.token.request.duration.buckets").tags("bank", "13807", "le", "+Inf")
                .functionCounter().count());
        assertEquals(-1, registry.get("psd2.token.age").tags("bank", "13807").timeGauge().value(),
                "the invalidated token is gone");
        manager.token("13807");
        manager.token("13807"); // in use, so it is refreshed ahead of time
        assertTrue(registry.get("psd2.token.expires.in").tags("bank", "13807").timeGauge().value() > 3500);
        assertEquals(0, registry.get("psd2.bank.circuit.open").tags("bank", "17515").gauge().value());
        assertEquals(1, registry.find("psd2.bank.circuit.open").tags("bank", "13807").gauges().size(),
                "one circuit gauge per bank");
        assertEquals(0, count("psd2.token.refreshes", "13807"));
        time.advance(Duration.ofSeconds(3525)); // the stale point: the timer hands the refresh over
        timer.runDue();
        timer.runPending();
        assertEquals(1, count("psd2.token.refreshes", "13807"));
        assertEquals(3, count("psd2.token.requests", "13807"));
        assertEquals(0, registry.get("psd2.token.age").tags("bank", "13807").timeGauge().value(),
                "the refreshed token is brand new");
        assertEquals(1, registry.get("psd2.token.request.duration").tags("bank", "13807", "outcome", "success",
                "background", "true").timer().count());
        assertTrue(registry.getMeters().stream().allMatch(m -> m.getId().getTags().stream()
                .noneMatch(t -> t.getValue().contains("secret"))), "no token in any tag");
    }

    @Test
    void stoppingRemovesEveryMeterItRegistered() {
        manager.token("13807");
        assertThrows(BankTokenException.class, () -> manager.token("17515"));
        assertFalse(registry.getMeters().isEmpty());
        metrics.stop();
        assertTrue(registry.getMeters().isEmpty(), () -> registry.getMeters().toString());
    }

    @Test
    void hitCountingCanBeLeftOut() {
        MicrometerTokenMetrics withoutHits = new MicrometerTokenMetrics(registry, false);
        assertFalse(withoutHits.countsHits());
        withoutHits.slotCreated("13807", "pisp", metricsOfSlot());
        assertTrue(registry.find("psd2.token.cache.hits").meters().isEmpty());
        assertEquals(1, registry.find("psd2.token.requests").meters().size());
    }

    @Test
    void slotsComingAndGoingLeaveNothingBehindAndTheBanksCircuitGaugeFollowsItsLastSlot() {
        io.psd2token.token.TokenMetrics.SlotCounters aisp = metricsOfSlot(1);
        metrics.slotCreated("13807", "pisp", metricsOfSlot(1));
        metrics.slotCreated("13807", "aisp", aisp);
        metrics.slotRemoved("13807", "pisp");
        assertEquals(1, registry.get("psd2.bank.circuit.open").tags("bank", "13807").gauge().value(),
                "read from the scope still in use");
        java.lang.ref.WeakReference<Object> left = new java.lang.ref.WeakReference<>(aisp);
        aisp = null;
        metrics.slotRemoved("13807", "aisp");
        assertTrue(registry.getMeters().isEmpty(), () -> registry.getMeters().toString());
        for (int i = 0; i < 1000; i++) {
            metrics.slotCreated("17515", "pisp", metricsOfSlot(0));
            metrics.slotRemoved("17515", "pisp");
        }
        assertTrue(registry.getMeters().isEmpty(), () -> registry.getMeters().toString());
        for (int i = 0; i < 20 && left.get() != null; i++) {
            System.gc();
        }
        assertEquals(null, left.get(), "a slot that left is not held by the binding");
    }

    private static io.psd2token.token.TokenMetrics.SlotCounters metricsOfSlot() {
        return metricsOfSlot(0);
    }

    private static io.psd2token.token.TokenMetrics.SlotCounters metricsOfSlot(double circuitOpen) {
        return new io.psd2token.token.TokenMetrics.SlotCounters() {
            @Override
            public long requests() {
                return 0;
            }

            @Override
            public long failures() {
                return 0;
            }

            @Override
            public long backgroundRefreshes() {
                return 0;
            }

            @Override
            public long hits() {
                return 0;
            }

            @Override
            public long invalidTokenRecoveries() {
                return 0;
            }

            @Override
            public double tokenAgeSeconds() {
                return -1;
            }

            @Override
            public double tokenExpiresInSeconds() {
                return -1;
            }

            @Override
            public double circuitOpen() {
                return circuitOpen;
            }
        };
    }

    @Test
    void withoutARegistryNothingIsReportedAndHitsAreNotCounted() {
        MicrometerTokenMetrics none = new MicrometerTokenMetrics();
        assertFalse(none.active());
        assertFalse(none.countsHits());
        none.requestCompleted("13807", "success", 1, false);
        none.stop();
    }

    @Test
    void callersRefusedBeforeAnyRequestAreCountedAndALeavingSlotTakesItsMetersAlong() {
        // What an operator could not see: callers failed by a replayed failure, an open circuit or a slow bank.
        assertThrows(BankTokenException.class, () -> manager.token("17515"));
        assertThrows(BankTokenException.class, () -> manager.token("17515"));
        assertEquals(1, registry.get("psd2.token.callers.refused").tags("bank", "17515", "scope", "pisp", "reason",
                "backoff").functionCounter().count(), "the second caller got the replayed failure");
        assertEquals(0, registry.get("psd2.token.callers.refused").tags("bank", "17515", "scope", "pisp", "reason",
                "busy").functionCounter().count());
        manager.token("13807");
        assertFalse(registry.find("psd2.token.requests").tags("bank", "13807").meters().isEmpty());
        // Unused, the token lapses at its drop point and its slot leaves: so do its meters.
        time.advance(Duration.ofHours(1));
        timer.runDue();
        timer.runPending();
        assertTrue(registry.find("psd2.token.requests").tags("bank", "13807").meters().isEmpty(),
                "no meters left for a slot that left");
        assertTrue(registry.find("psd2.token.callers.refused").tags("bank", "13807").meters().isEmpty());
    }

    @Test
    void inAClusterEachNodeCountsItsRequestsAndTheTokensItTookFromTheOthers() {
        var cluster = new io.psd2token.internal.cluster.InMemorySharedTokens(time);
        MeterRegistry otherRegistry = new SimpleMeterRegistry();
        TokenManager a = sharing(cluster, "a", metrics);
        TokenManager b = sharing(cluster, "b", new MicrometerTokenMetrics(otherRegistry));
        a.tokenAsync("13807");
        timer.runPending();
        var onB = b.tokenAsync("13807");
        timer.runPending();
        assertTrue(onB.toCompletableFuture().isDone());
        assertEquals(1, count("psd2.token.requests", "13807"));
        assertEquals(1, count("psd2.token.shared.publishes", "13807"));
        assertEquals(0, count("psd2.token.shared.installs", "13807"));
        assertEquals(0, otherRegistry.get("psd2.token.requests").tags("bank", "13807").functionCounter().count());
        assertEquals(1, otherRegistry.get("psd2.token.shared.installs").tags("bank", "13807").functionCounter()
                .count());
    }

    private TokenManager sharing(io.psd2token.internal.cluster.SharedTokens cluster, String node,
            MicrometerTokenMetrics binding) {
        return TokenManager.builder()
                .banks(bank -> new BankEndpoints(bank, URI.create("https://bank.test/" + bank + "/token"),
                        URI.create("https://bank.test/" + bank + "/v1"), Scope.PISP))
                .clientId("PSDFR-ACPR-12345")
                .http((uri, form) -> CompletableFuture.completedFuture(new HttpReply(200, "application/json",
                        "{\"access_token\":\"secret-" + issued.incrementAndGet()
                                + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")))
                .jsonb(jsonb).timer(timer).io(timer).clock(time).policy(TokenPolicy.DEFAULT)
                .resilience(Resilience.NONE).sharing(cluster, () -> null, node, Duration.ofSeconds(1))
                .metrics(binding).build();
    }

    @Test
    void apiRateLimitsAreCountedByWhoRefusedTheCall() {
        manager.apiRateLimited(io.psd2token.bank.Bkcode.of("13807"), false);
        manager.apiRateLimited(io.psd2token.bank.Bkcode.of("13807"), true);
        manager.apiRateLimited(io.psd2token.bank.Bkcode.of("13807"), true);
        assertEquals(1, registry.get("psd2.api.rate.limited").tags("bank", "13807", "by", "bank").counter().count());
        assertEquals(2, registry.get("psd2.api.rate.limited").tags("bank", "13807", "by", "held-back").counter()
                .count());
    }

    private double count(String name, String bank) {
        return registry.get(name).tags("bank", bank, "scope", "pisp").functionCounter().count();
    }
}
