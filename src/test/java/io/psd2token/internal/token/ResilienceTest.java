package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.BankBusyException;
import io.psd2token.error.CircuitOpenException;
import io.psd2token.error.TokenRequestRejectedException;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.testbed.ManualTimer;
import io.psd2token.testbed.TestClock;
import io.psd2token.token.AccessToken;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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

    private final TestClock clock = new TestClock();
    private final ManualTimer scheduler = new ManualTimer(clock);
    private final AtomicInteger requests = new AtomicInteger();
    private volatile IntFunction<CompletableFuture<HttpReply>> answers = n -> CompletableFuture.completedFuture(OK);

    private TokenManager manager(Resilience resilience) {
        return TokenManagerTest.builder(clock, scheduler, (URI uri, String form) ->
                answers.apply(requests.incrementAndGet()))
                .policy(TokenManagerTest.POLICY.withFailureBackoff(Duration.ZERO)).resilience(resilience)
                .jitter(() -> 0.5).build();
    }

    private static Resilience retries(int attempts) {
        return Resilience.retries(attempts, Duration.ofMillis(200), Duration.ofSeconds(5))
                .withAttemptTimeout(Duration.ofSeconds(1));
    }

    /** The timer's due tasks (retries), then the requests they hand to the I/O executor; how many retries ran. */
    private int tick() {
        int due = scheduler.runDue();
        scheduler.runPending();
        return due;
    }

    private static CompletableFuture<HttpReply> answer(HttpReply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    @Test
    void unavailableBankIsRetriedWithBackoffAndTheCallersGetTheToken() throws Exception {
        answers = n -> answer(n < 3 ? UNAVAILABLE : OK);
        TokenManager m = manager(retries(3));
        CompletableFuture<AccessToken> token = m.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        assertEquals(1, requests.get());
        assertFalse(token.isDone(), "a retry is scheduled, the callers keep waiting");
        clock.advance(Duration.ofMillis(99));
        assertEquals(0, tick(), "first retry not before half the base delay (jitter floor)");
        clock.advance(Duration.ofMillis(101));
        assertEquals(1, tick());
        assertEquals(2, requests.get());
        clock.advance(Duration.ofMillis(400));
        assertEquals(1, tick(), "second retry within the doubled delay");
        assertEquals("ok", token.get().value());
        assertEquals(3, requests.get());
    }

    @Test
    void attemptsAreBoundedAndTheLastErrorReachesTheCaller() {
        answers = n -> answer(UNAVAILABLE);
        TokenManager m = manager(retries(3));
        CompletableFuture<AccessToken> token = m.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            tick();
        }
        var e = assertThrows(ExecutionException.class, token::get);
        assertTrue(e.getCause() instanceof TokenRequestRejectedException, e.toString());
        assertEquals(3, requests.get());
        assertTrue(m.states().get(0).sinceLastSuccess().isEmpty(), "never succeeded, whatever the attempts");
    }

    @Test
    void clientErrorsAreNeverRetried() {
        answers = n -> answer(INVALID_CLIENT);
        TokenManager m = manager(retries(3));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertEquals(1, requests.get());
        assertEquals(0, scheduler.runDue() + scheduler.runPending());
    }

    @Test
    void retriesStopWhenTheCallersWaitWouldRunOut() {
        answers = n -> answer(UNAVAILABLE);
        // Wait timeout is 5 s (POLICY); retry delays of 4 s and more cannot fit twice.
        TokenManager m = manager(Resilience.retries(10, Duration.ofSeconds(4), Duration.ofSeconds(8))
                .withAttemptTimeout(Duration.ofSeconds(1)));
        CompletableFuture<AccessToken> token = m.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(4));
            tick();
        }
        assertTrue(token.isCompletedExceptionally());
        assertTrue(requests.get() <= 2, "sent " + requests.get());
    }

    @Test
    void circuitOpensAfterConsecutiveFailuresAndFailsFastWithoutRequests() {
        answers = n -> answer(UNAVAILABLE);
        TokenManager m = manager(Resilience.NONE.withCircuit(3, Duration.ofSeconds(30)));
        for (int i = 0; i < 3; i++) {
            assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        }
        var open = assertThrows(CircuitOpenException.class, () -> m.token("13807"));
        assertEquals(3, requests.get(), "no request while open");
        assertTrue(open.getMessage().contains("503"), "names the last failure: " + open.getMessage());
        assertEquals("OPEN", m.states().get(0).circuit());
        answers = n -> answer(OK);
        assertEquals("ok", m.token("17515").value(), "another bank is not affected");

        clock.advance(Duration.ofSeconds(30));
        assertEquals("ok", m.token("13807").value(), "after the open period one probe goes through");
        assertEquals("CLOSED", m.states().stream().filter(s -> s.bank().equals("13807")).findFirst()
                .orElseThrow().circuit());
    }

    @Test
    void failedProbeReopensTheCircuit() {
        answers = n -> answer(UNAVAILABLE);
        TokenManager m = manager(Resilience.NONE.withCircuit(2, Duration.ofSeconds(10)));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        clock.advance(Duration.ofSeconds(10));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"), "the probe");
        assertThrows(CircuitOpenException.class, () -> m.token("13807"));
        assertEquals(3, requests.get());
    }

    @Test
    void clientErrorsDoNotOpenTheCircuit() {
        answers = n -> answer(INVALID_CLIENT);
        TokenManager m = manager(Resilience.NONE.withCircuit(2, Duration.ofSeconds(10)));
        for (int i = 0; i < 4; i++) {
            assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        }
        assertEquals(4, requests.get());
    }

    @Test
    void openCircuitStillServesAValidStaleToken() {
        TokenManager m = manager(Resilience.NONE.withCircuit(1, Duration.ofSeconds(600)));
        AccessToken first = m.token("13807");
        m.token("13807");
        clock.advance(TokenManagerTest.STALE);
        answers = n -> answer(UNAVAILABLE);
        scheduler.runDue();
        scheduler.runPending(); // the background refresh fails and opens the circuit
        assertEquals("OPEN", m.states().get(0).circuit());
        assertEquals(first, m.token("13807"), "the valid token is still served");
        assertEquals(0, scheduler.pending(), "no background request while the circuit is open");
        assertEquals(2, requests.get());
    }

    @Test
    void callersBeyondTheWaitingLimitFailAtOnceOnlyOnceTheBankIsSlowAndOtherBanksAreUnaffected() throws Exception {
        CompletableFuture<HttpReply> slow = new CompletableFuture<>();
        answers = n -> n == 1 ? slow : answer(OK);
        TokenManager m = manager(Resilience.NONE.withWaitingCallers(2, Duration.ofSeconds(3)));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<AccessToken> a = pool.submit(() -> m.token("13807"));
            Future<AccessToken> b = pool.submit(() -> m.token("13807"));
            Future<AccessToken> c = pool.submit(() -> m.token("13807"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (requests.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Thread.sleep(100); // let all three reach their wait: the only real-time pause, bounded
            assertFalse(c.isDone(), "a young request: a third waiter is no problem, the bank is not slow");
            clock.advance(Duration.ofSeconds(3));
            var busy = assertThrows(BankBusyException.class, () -> m.token("13807"));
            assertTrue(busy.getMessage().contains("psd2.max-waiting-callers"), busy.getMessage());
            assertEquals(1, m.states().stream().filter(s -> s.bank().equals("13807")).findFirst().orElseThrow()
                    .refusedCallers());
            assertEquals("ok", m.token("17515").value(), "another bank is served meanwhile");
            slow.complete(OK);
            scheduler.runPending(); // the answer is handled on the I/O executor
            assertEquals("ok", a.get(5, TimeUnit.SECONDS).value());
            assertEquals("ok", b.get(5, TimeUnit.SECONDS).value());
            assertEquals("ok", c.get(5, TimeUnit.SECONDS).value());
        } finally {
            slow.complete(OK);
            pool.shutdownNow();
        }
    }
}
