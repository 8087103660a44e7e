package io.psd2token.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.http.HttpReply;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** Retries, the per-bank circuit breaker and the bound on waiting callers, on a clock the test moves. */
class ResilienceTest {

    private static final HttpReply OK = new HttpReply(200, "application/json",
            "{\"access_token\":\"ok\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    private static final HttpReply UNAVAILABLE = new HttpReply(503, "application/json",
            "{\"error\":\"temporarily_unavailable\"}");
    private static final HttpReply INVALID_CLIENT = new HttpReply(401, "application/json",
            "{\"error\":\"invalid_client\"}");

    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final AtomicInteger requests = new AtomicInteger();
    private volatile IntFunction<HttpReply> answers = n -> OK;

    private TokenManager manager(Resilience resilience) {
        return new TokenManager(TokenManagerTest::endpoints, "PSDFR-ACPR-12345", (URI uri, String form) ->
                answers.apply(requests.incrementAndGet()), clock, TokenManagerTest.POLICY.withFailureBackoff(Duration.ZERO),
                TokenManagerTest.JSONB, scheduler, resilience);
    }

    private static Resilience retries(int attempts) {
        return new Resilience(attempts, Duration.ofMillis(200), Duration.ofSeconds(5), 0, Duration.ZERO, 0);
    }

    @Test
    void unavailableBankIsRetriedWithBackoffAndTheCallersGetTheToken() throws Exception {
        answers = n -> n < 3 ? UNAVAILABLE : OK;
        TokenManager m = manager(retries(3));
        CompletableFuture<AccessToken> token = m.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        assertEquals(1, requests.get());
        assertFalse(token.isDone(), "a retry is scheduled, the callers keep waiting");
        clock.advance(Duration.ofMillis(99));
        assertEquals(0, scheduler.runDue(), "first retry not before half the base delay (jitter floor)");
        clock.advance(Duration.ofMillis(101));
        assertEquals(1, scheduler.runDue());
        assertEquals(2, requests.get());
        clock.advance(Duration.ofMillis(400));
        assertEquals(1, scheduler.runDue(), "second retry within the doubled delay");
        assertEquals("ok", token.get().value());
        assertEquals(3, requests.get());
    }

    @Test
    void attemptsAreBoundedAndTheLastErrorReachesTheCaller() {
        answers = n -> UNAVAILABLE;
        TokenManager m = manager(retries(3));
        CompletableFuture<AccessToken> token = m.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            scheduler.runDue();
        }
        var e = assertThrows(ExecutionException.class, token::get);
        assertTrue(e.getCause() instanceof TokenRequestRejectedException, e.toString());
        assertEquals(3, requests.get());
        assertTrue(m.states().get(0).sinceLastSuccess().isEmpty(), "never succeeded, whatever the attempts");
    }

    @Test
    void clientErrorsAreNeverRetried() {
        answers = n -> INVALID_CLIENT;
        TokenManager m = manager(retries(3));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertEquals(1, requests.get());
        assertEquals(0, scheduler.runDue() + scheduler.runPending());
    }

    @Test
    void retriesStopWhenTheCallersWaitWouldRunOut() {
        answers = n -> UNAVAILABLE;
        // Wait timeout is 5 s (POLICY); retry delays of 4 s and more cannot fit twice.
        TokenManager m = manager(new Resilience(10, Duration.ofSeconds(4), Duration.ofSeconds(8), 0, Duration.ZERO, 0));
        CompletableFuture<AccessToken> token = m.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(4));
            scheduler.runDue();
        }
        assertTrue(token.isCompletedExceptionally());
        assertTrue(requests.get() <= 2, "sent " + requests.get());
    }

    @Test
    void circuitOpensAfterConsecutiveFailuresAndFailsFastWithoutRequests() {
        answers = n -> UNAVAILABLE;
        TokenManager m = manager(new Resilience(1, Duration.ZERO, Duration.ZERO, 3, Duration.ofSeconds(30), 0));
        for (int i = 0; i < 3; i++) {
            assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        }
        var open = assertThrows(CircuitOpenException.class, () -> m.token("13807"));
        assertEquals(3, requests.get(), "no request while open");
        assertTrue(open.getMessage().contains("503"), "names the last failure: " + open.getMessage());
        assertEquals("OPEN", m.states().get(0).circuit());
        answers = n -> OK;
        assertEquals("ok", m.token("17515").value(), "another bank is not affected");

        clock.advance(Duration.ofSeconds(30));
        assertEquals("ok", m.token("13807").value(), "after the open period one probe goes through");
        assertEquals("CLOSED", m.states().stream().filter(s -> s.bank().equals("13807")).findFirst()
                .orElseThrow().circuit());
    }

    @Test
    void failedProbeReopensTheCircuit() {
        answers = n -> UNAVAILABLE;
        TokenManager m = manager(new Resilience(1, Duration.ZERO, Duration.ZERO, 2, Duration.ofSeconds(10), 0));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        clock.advance(Duration.ofSeconds(10));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"), "the probe");
        assertThrows(CircuitOpenException.class, () -> m.token("13807"));
        assertEquals(3, requests.get());
    }

    @Test
    void clientErrorsDoNotOpenTheCircuit() {
        answers = n -> INVALID_CLIENT;
        TokenManager m = manager(new Resilience(1, Duration.ZERO, Duration.ZERO, 2, Duration.ofSeconds(10), 0));
        for (int i = 0; i < 4; i++) {
            assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        }
        assertEquals(4, requests.get());
    }

    @Test
    void openCircuitStillServesAValidStaleToken() {
        TokenManager m = manager(new Resilience(1, Duration.ZERO, Duration.ZERO, 1, Duration.ofSeconds(600), 0));
        AccessToken first = m.token("13807");
        clock.advance(Duration.ofSeconds(3540));
        scheduler.runDue();
        answers = n -> UNAVAILABLE;
        assertEquals(first, m.token("13807"));
        scheduler.runPending(); // the background refresh fails and opens the circuit
        assertEquals("OPEN", m.states().get(0).circuit());
        assertEquals(first, m.token("13807"), "the valid token is still served");
        assertEquals(0, scheduler.pending(), "no background request while the circuit is open");
    }

    @Test
    void callersBeyondTheWaitingLimitFailAtOnceAndOtherBanksAreUnaffected() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        answers = n -> {
            if (n == 1) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return OK;
        };
        TokenManager m = manager(new Resilience(1, Duration.ZERO, Duration.ZERO, 0, Duration.ZERO, 2));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<AccessToken> a = pool.submit(() -> m.token("13807"));
            Future<AccessToken> b = pool.submit(() -> m.token("13807"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (m.states().isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Thread.sleep(100); // let both reach their wait: the only real-time pause, bounded
            var busy = assertThrows(BankBusyException.class, () -> m.token("13807"));
            assertTrue(busy.getMessage().contains("psd2.max-waiting-callers"));
            assertEquals("ok", m.token("17515").value(), "another bank is served meanwhile");
            release.countDown();
            assertEquals("ok", a.get(5, TimeUnit.SECONDS).value());
            assertEquals("ok", b.get(5, TimeUnit.SECONDS).value());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
