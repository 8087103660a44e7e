package io.psd2token.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BankSimulator.Fault;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import io.psd2token.token.AccessToken;
import io.psd2token.internal.token.Resilience;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import io.psd2token.error.TokenRejectedException;
import io.psd2token.internal.token.TokenTimer;
import io.psd2token.testbed.BlockingHttp;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded soak run (not part of the test suite): several banks whose tokens live 10 s, concurrent callers
 * paying through {@link TokenManager#withToken}, and faults that come and go — token endpoint errors, hangs,
 * resets, revoked tokens. Goal: no "Invalid token" and no unexpected error ever reaches a caller.
 *
 * <p>Run: {@code mvn -B test -DskipITs -Dtest=TokenSoak -Dsurefire.failIfNoSpecifiedTests=false
 * -Dpsd2.soak.duration=PT3M}; the figures go to the console and to {@code target/soak-report.md}.
 */
class TokenSoak {

    private static final List<String> BANKS = List.of("13807", "17515", "12579", "30007");
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(10);
    private static final int CALLERS = 12;
    private static final Duration PACE = Duration.ofMillis(20);
    /** Faults a resilient client must absorb without its callers noticing. */
    private static final List<Fault> TRANSIENT_FAULTS = List.of(Fault.INTERNAL_SERVER_ERROR, Fault.BAD_GATEWAY_HTML,
            Fault.CONNECTION_RESET, Fault.CLOSE_WITHOUT_ANSWER, Fault.TRUNCATED_BODY);

    @TempDir
    Path dir;

    @Test
    void tokensLivingTenSecondsUnderFaultsNeverFailACaller() throws Exception {
        Duration duration = Duration.parse(System.getProperty("psd2.soak.duration", "PT3M"));
        TestPki pki = TestPki.generate(dir);
        SSLContext qwac = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
        ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
        Stats stats = new Stats();
        try (BankSimulator simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki)
                .withBankCodes(BANKS.toArray(String[]::new)).withTokenLifetime(TOKEN_LIFETIME));
                Jsonb jsonb = JsonbBuilder.create()) {
            JdkBankHttp http = BlockingHttp.jdk(qwac, Duration.ofSeconds(2), Duration.ofSeconds(3));
            // Three attempts from 100 ms fit the 20 s wait even when each one hangs for its 3 s + 2 s diagnosis.
            Resilience resilience = new Resilience(3, Duration.ofMillis(100), Duration.ofSeconds(2), 5,
                    Duration.ofSeconds(10), 64, Duration.ofSeconds(3), Duration.ofSeconds(6));
            TokenManager tokens = TokenManager.builder().banks(bank -> endpoints(simulator, bank))
                    .clientId(pki.clientId()).http(http).jsonb(jsonb).timer(TokenTimer.of(executor)).io(executor)
                    .policy(new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
                            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(20),
                            Duration.ofMillis(500), Duration.ofMinutes(2))).resilience(resilience).build();
            HttpClient api = HttpClient.newBuilder().sslContext(qwac).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();

            long end = System.nanoTime() + duration.toNanos();
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                int id = i;
                Thread t = new Thread(() -> call(tokens, api, simulator, id, end, stats), "soak-caller-" + i);
                t.start();
                callers.add(t);
            }
            Thread faults = new Thread(() -> injectFaults(simulator, end, stats), "soak-faults");
            faults.start();
            for (Thread t : callers) {
                t.join();
            }
            faults.join();
            BANKS.forEach(bank -> stats.tokenRequests.put(bank, (long) simulator.tokenRequests(bank)));
            BANKS.forEach(bank -> stats.rejectedAtApi.put(bank, (long) simulator.invalidTokenResponses(bank)));
        } finally {
            executor.shutdownNow();
        }
        String report = stats.report(duration);
        System.out.println(report);
        Files.writeString(Path.of("target", "soak-report.md"), report, StandardCharsets.UTF_8);

        assertEquals(0, stats.invalidTokenReachedCaller.sum(), "Invalid token reached a caller");
        assertEquals(0, stats.unexpected.sum(), "unexpected errors: " + stats.firstUnexpected);
        assertTrue(stats.calls.sum() > 100, "the soak made calls");
    }

    private static BankEndpoints endpoints(BankSimulator simulator, Bkcode bank) {
        // Each bank on its own port, so a connection fault hits one bank only, as with real hosts.
        return new BankEndpoints(bank, simulator.dedicatedTokenEndpoint(bank.value()),
                simulator.baseUri().resolve("/" + bank.value() + "/stet/psd2/v1"), Scope.PISP);
    }

    private static void call(TokenManager tokens, HttpClient api, BankSimulator simulator, int id, long end,
            Stats stats) {
        int n = id;
        while (System.nanoTime() - end < 0) {
            String bank = BANKS.get(n++ % BANKS.size());
            long start = System.nanoTime();
            try {
                int status = tokens.withToken(bank, token -> pay(api, simulator.paymentRequestsEndpoint(bank), token),
                        r -> r.statusCode() == 403 && r.body().contains("Invalid token")).statusCode();
                if (status == 201) {
                    stats.ok.increment();
                } else {
                    stats.unexpected(new IllegalStateException("payment answered " + status));
                }
            } catch (TokenRejectedException e) {
                stats.invalidTokenReachedCaller.increment();
            } catch (RuntimeException e) {
                stats.unexpected(e);
            }
            stats.calls.increment();
            stats.latency(System.nanoTime() - start);
            try {
                Thread.sleep(PACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static HttpResponse<String> pay(HttpClient api, URI endpoint, AccessToken token) {
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5))
                .header("Authorization", token.authorizationHeader())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"paymentInformationId\":\"soak\"}"))
                .build();
        try {
            return api.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("payment call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every 3 s one bank gets a fault: a few failing token requests, a hang, or all its tokens revoked. */
    private static void injectFaults(BankSimulator simulator, long end, Stats stats) {
        Random random = new Random(42);
        long stopInjecting = end - Duration.ofSeconds(5).toNanos(); // the last seconds run fault-free
        while (System.nanoTime() - stopInjecting < 0) {
            String bank = BANKS.get(random.nextInt(BANKS.size()));
            int kind = random.nextInt(TRANSIENT_FAULTS.size() + 2);
            if (kind < TRANSIENT_FAULTS.size()) {
                Fault fault = TRANSIENT_FAULTS.get(kind);
                simulator.setFault(bank, fault, 1 + random.nextInt(2));
                stats.faults.merge(fault.name(), 1L, Long::sum);
            } else if (kind == TRANSIENT_FAULTS.size()) {
                simulator.revokeTokens(bank);
                stats.faults.merge("REVOKE_TOKENS", 1L, Long::sum);
            } else {
                // A token endpoint that hangs for 2 s, then answers again.
                simulator.setFault(bank, Fault.ACCEPT_THEN_HANG);
                stats.faults.merge(Fault.ACCEPT_THEN_HANG.name(), 1L, Long::sum);
                sleep(Duration.ofSeconds(2));
                simulator.clearFault(bank);
            }
            sleep(Duration.ofSeconds(3));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the soak counted. */
    private static final class Stats {
        final LongAdder calls = new LongAdder();
        final LongAdder ok = new LongAdder();
        final LongAdder invalidTokenReachedCaller = new LongAdder();
        final LongAdder unexpected = new LongAdder();
        final Map<String, Long> faults = new ConcurrentHashMap<>();
        final Map<String, Long> tokenRequests = new ConcurrentHashMap<>();
        final Map<String, Long> rejectedAtApi = new ConcurrentHashMap<>();
        final long[] latencies = new long[2_000_000];
        final AtomicLong latencyCount = new AtomicLong();
        volatile String firstUnexpected;

        void unexpected(Throwable e) {
            unexpected.increment();
            if (firstUnexpected == null) {
                firstUnexpected = e.toString();
            }
        }

        void latency(long nanos) {
            long i = latencyCount.getAndIncrement();
            if (i < latencies.length) {
                latencies[(int) i] = nanos;
            }
        }

        String report(Duration duration) {
            int n = (int) Math.min(latencyCount.get(), latencies.length);
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            StringBuilder r = new StringBuilder("# Soak run\n\n");
            r.append("| figure | value |\n|---|---|\n");
            r.append("| duration | ").append(duration).append(" |\n");
            r.append("| banks | ").append(BANKS.size()).append(", tokens living ").append(TOKEN_LIFETIME.toSeconds())
                    .append(" s |\n");
            r.append("| concurrent callers | ").append(CALLERS).append(", pacing ").append(PACE.toMillis()).append(" ms |\n");
            r.append("| calls | ").append(calls.sum()).append(" |\n");
            r.append("| successful (201) | ").append(ok.sum()).append(" |\n");
            r.append("| Invalid token reaching a caller | ").append(invalidTokenReachedCaller.sum()).append(" |\n");
            r.append("| unexpected errors | ").append(unexpected.sum()).append(" |\n");
            r.append("| token requests per bank | ").append(tokenRequests).append(" |\n");
            r.append("| 403 Invalid token answered by the API (absorbed) | ").append(rejectedAtApi).append(" |\n");
            r.append("| faults injected | ").append(faults).append(" |\n");
            if (n > 0) {
                r.append("| call latency p50 / p99 / max | ").append(ms(sorted[n / 2])).append(" / ")
                        .append(ms(sorted[(int) (n * 0.99)])).append(" / ").append(ms(sorted[n - 1])).append(" ms |\n");
            }
            return r.toString();
        }

        private static String ms(long nanos) {
            return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
        }
    }
}
