package io.psd2token.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.ConfigurationException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.http.BankHttp;
import io.psd2token.http.HttpReply;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class TokenManagerTest {

    private static final Jsonb JSONB = JsonbBuilder.create();
    private static final Bkcode BPGO = Bkcode.of("13807");
    private static final Bkcode CEIDF = Bkcode.of("17515");
    private static final TokenPolicy POLICY = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(15), Duration.ofSeconds(5));

    private final FakeClock clock = new FakeClock();
    private final FakeBank bank = new FakeBank();
    private final TokenManager manager = manager("PSDFR-ACPR-12345");

    @AfterAll
    static void closeJsonb() throws Exception {
        JSONB.close();
    }

    private TokenManager manager(String clientId) {
        return new TokenManager(b -> new BankEndpoints(b, URI.create("https://bank.test/" + b + "/token"),
                URI.create("https://bank.test/" + b + "/v1"), Scope.PISP), clientId, bank, clock, POLICY, JSONB);
    }

    @Test
    void secondCallForTheSameBankReusesTheToken() {
        AccessToken first = manager.token(BPGO);
        AccessToken second = manager.token(BPGO);
        assertSame(first, second);
        assertEquals(1, bank.requests.get());
        assertEquals("grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp", bank.lastBody);
        assertEquals(URI.create("https://bank.test/13807/token"), bank.lastUri);
    }

    @Test
    void eachBankHasItsOwnToken() {
        AccessToken a = manager.token(BPGO);
        AccessToken b = manager.token(CEIDF);
        assertEquals(2, bank.requests.get());
        assertNotSame(a.value(), b.value());
        assertEquals(CEIDF, b.bank());
    }

    @Test
    void scopesAreCachedByNormalisedRoleSet() {
        manager.token(BPGO, Scope.of("pisp aisp"));
        manager.token(BPGO, Scope.of("aisp  pisp"));
        assertEquals(1, bank.requests.get());
        manager.token(BPGO, Scope.of("aisp"));
        manager.token(BPGO, Scope.PISP);
        assertEquals(3, bank.requests.get());
    }

    @Test
    void whenTokenReachesExpiryMinusMarginThenANewOneIsFetched() {
        bank.expiresIn = "3600";
        AccessToken first = manager.token(BPGO);
        clock.advance(Duration.ofSeconds(3600 - 15).minusNanos(1));
        assertSame(first, manager.token(BPGO), "still usable one nanosecond before expiry minus margin");
        clock.advance(Duration.ofNanos(1));
        assertNotSame(first, manager.token(BPGO));
        assertEquals(2, bank.requests.get());
    }

    @Test
    void marginNeverExceedsAFifthOfAShortLifetime() {
        bank.expiresIn = "5";
        AccessToken first = manager.token(BPGO);
        clock.advance(Duration.ofMillis(3999));
        assertSame(first, manager.token(BPGO), "a 5 s token is usable for 4 s despite the 15 s margin");
        clock.advance(Duration.ofMillis(1));
        assertNotSame(first, manager.token(BPGO));
    }

    @Test
    void lifetimeCountsFromSendingNotFromReceipt() {
        bank.expiresIn = "100";
        bank.latency = Duration.ofSeconds(30);
        AccessToken first = manager.token(BPGO);
        // usable until sent + 100 s - 15 s margin; 30 s of that went by while the bank answered.
        clock.advance(Duration.ofSeconds(55).minusNanos(1));
        assertSame(first, manager.token(BPGO));
        clock.advance(Duration.ofNanos(1));
        assertNotSame(first, manager.token(BPGO));
    }

    @Test
    void absentExpiresInUsesTheDefaultLifetime() {
        bank.expiresIn = null;
        AccessToken first = manager.token(BPGO);
        assertEquals(Duration.ofMinutes(10), first.lifetime());
        clock.advance(Duration.ofMinutes(10).minusSeconds(15).minusNanos(1));
        assertSame(first, manager.token(BPGO));
    }

    @Test
    void wallClockJumpsDoNotChangeExpiry() {
        AccessToken first = manager.token(BPGO);
        clock.jumpWallClock(Duration.ofDays(2));
        assertSame(first, manager.token(BPGO));
        clock.jumpWallClock(Duration.ofDays(-4));
        assertSame(first, manager.token(BPGO));
        assertEquals(1, bank.requests.get());
    }

    @Test
    void failedRequestIsNotCachedAndTheNextCallTriesAgain() {
        bank.answer = () -> new HttpReply(503, "text/plain", "busy");
        assertThrows(TokenRequestRejectedException.class, () -> manager.token(BPGO));
        bank.answer = null;
        AccessToken t = manager.token(BPGO);
        assertEquals(2, bank.requests.get());
        assertSame(t, manager.token(BPGO));
    }

    @Test
    void failedRefreshDropsNothingButTheExpiredToken() {
        AccessToken a = manager.token(BPGO);
        manager.token(CEIDF);
        bank.answer = () -> new HttpReply(200, "application/json", "{\"access_token\":\"x\",\"token_type\":\"MAC\"}");
        manager.invalidate(BPGO);
        assertThrows(UnsupportedTokenTypeException.class, () -> manager.token(BPGO));
        assertEquals(3, bank.requests.get());
        manager.token(CEIDF);
        assertEquals(3, bank.requests.get(), "the other bank's token is untouched");
        bank.answer = null;
        assertNotSame(a, manager.token(BPGO));
    }

    @Test
    void invalidateOfAnOldTokenKeepsTheNewerOne() {
        AccessToken old = manager.token(BPGO);
        assertTrue(manager.invalidate(old));
        AccessToken newer = manager.token(BPGO);
        assertFalse(manager.invalidate(old), "a stale holder must not evict the newer token");
        assertSame(newer, manager.token(BPGO));
        assertEquals(2, bank.requests.get());
    }

    @Test
    void invalidateBankDropsAllItsScopesOnly() {
        manager.token(BPGO, Scope.PISP);
        manager.token(BPGO, Scope.of("aisp"));
        manager.token(CEIDF);
        manager.invalidate(BPGO);
        manager.token(BPGO, Scope.PISP);
        manager.token(BPGO, Scope.of("aisp"));
        manager.token(CEIDF);
        assertEquals(5, bank.requests.get());
    }

    @Test
    void missingClientIdFailsWithTheKeyToSetAndSendsNothing() {
        var e = assertThrows(ConfigurationException.class, () -> manager(null).token(BPGO));
        assertTrue(e.getMessage().contains("psd2.client-id"));
        assertEquals(0, bank.requests.get());
    }

    @Test
    void concurrentCallersAtColdStartShareOneRequest() throws Exception {
        for (int round = 0; round < 20; round++) {
            FakeBank slow = new FakeBank();
            CountDownLatch release = new CountDownLatch(1);
            slow.gate = release;
            TokenManager m = new TokenManager(b -> new BankEndpoints(b, URI.create("https://bank.test/t"),
                    URI.create("https://bank.test/v1"), Scope.PISP), "PSDFR-ACPR-12345", slow, clock, POLICY, JSONB);
            int callers = 64;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            CountDownLatch started = new CountDownLatch(callers);
            List<Future<AccessToken>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    started.countDown();
                    return m.token(BPGO);
                }));
            }
            started.await();
            release.countDown();
            AccessToken first = results.get(0).get(5, TimeUnit.SECONDS);
            for (Future<AccessToken> f : results) {
                assertSame(first, f.get(5, TimeUnit.SECONDS));
            }
            pool.shutdown();
            assertEquals(1, slow.requests.get(), "round " + round);
        }
    }

    /** A bank that answers from code, counts requests and can hold them at a gate. */
    private final class FakeBank implements BankHttp {
        final AtomicInteger requests = new AtomicInteger();
        volatile String expiresIn = "3600";
        volatile Duration latency = Duration.ZERO;
        volatile Supplier<HttpReply> answer;
        volatile CountDownLatch gate;
        volatile String lastBody;
        volatile URI lastUri;

        @Override
        public HttpReply postForm(URI uri, String formBody) {
            int n = requests.incrementAndGet();
            lastBody = formBody;
            lastUri = uri;
            if (gate != null) {
                try {
                    gate.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!latency.isZero()) {
                clock.advance(latency);
            }
            if (answer != null) {
                return answer.get();
            }
            String expires = expiresIn == null ? "" : ",\"expires_in\":\"" + expiresIn + "\"";
            return new HttpReply(200, "application/json",
                    "{\"access_token\":\"tok-" + n + "\",\"token_type\":\"Bearer\"" + expires + "}");
        }
    }
}
