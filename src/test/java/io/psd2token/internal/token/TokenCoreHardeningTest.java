package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.BankTokenException;
import io.psd2token.error.CircuitOpenException;
import io.psd2token.error.InvalidQwacException;
import io.psd2token.error.ScopeRefusedException;
import io.psd2token.error.TokenRequestRejectedException;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.testbed.ManualTimer;
import io.psd2token.testbed.TestClock;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The token core under adversity: each test replays one way a production server broke the previous core (the
 * hardening list; "item N" below), failed on that core, and holds now. Deterministic on a clock and a timer the
 * test moves, except item 1, which is about real threads and is proved on the real clock.
 */
class TokenCoreHardeningTest {

    private final TestClock clock = new TestClock();
    private final ManualTimer timer = new ManualTimer(clock);
    private final FakeBank bank = new FakeBank(clock);

    private TokenManagerBuilder builder() {
        return TokenManagerTest.builder(clock, timer, bank);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 1: timer duties never wait behind I/O.

    @Test
    void withEveryIoThreadHeldByHangingBanksAndALaggingTimerNoTokenIsServedPastItsDropPoint() throws Exception {
        // Item 1. Eight banks with 4 s tokens (dropped at 3.2 s, stale at 1.6 s, fast path until 2.4 s: a timer may
        // lag 0.8 s). Four of them hang at refresh time on the I/O threads themselves, holding both of the pool's
        // threads, so the other banks' refreshes queue behind them; the timer lags up to 0.6 s on every task. The
        // old core ran requests on the timer: it served tokens up to 4.8 s past their drop point.
        ScheduledExecutorService timerThread = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger ioThreads = new AtomicInteger();
        ExecutorService io = Executors.newFixedThreadPool(2, task -> new Thread(task, "io-" + ioThreads.incrementAndGet()));
        CountDownLatch release = new CountDownLatch(1);
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        AtomicInteger issued = new AtomicInteger();
        Map<String, AtomicInteger> perBank = new ConcurrentHashMap<>();
        List<String> banks = List.of("10107", "10207", "10807", "11315", "11425", "12135", "13807", "17515");
        BankHttp hangingHalf = (uri, form) -> {
            String bk = uri.getPath().split("/")[1];
            boolean hangs = banks.indexOf(bk) % 2 == 0
                    && perBank.computeIfAbsent(bk, k -> new AtomicInteger()).incrementAndGet() > 1;
            if (hangs) {
                if (Thread.currentThread().getName().startsWith("io-")) {
                    try {
                        // Blocks the calling I/O thread, as a blocking client would: holds it.
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return new CompletableFuture<>();
            }
            String value = "t" + issued.incrementAndGet();
            sentAt.put(value, System.nanoTime());
            return CompletableFuture.completedFuture(FakeBank.ok(value, "4", null));
        };
        TokenPolicy policy = TokenPolicy.DEFAULT.withWaitTimeout(Duration.ofMillis(200));
        Duration tolerated = policy.toleratedTimerLag(Duration.ofSeconds(4));
        assertEquals(Duration.ofMillis(800), tolerated);
        // Injected lag up to 0.6 s; the 0.2 s left of the window absorb the machine's own scheduling delays.
        long maxLag = tolerated.toNanos() - Duration.ofMillis(200).toNanos();
        TokenTimer timed = TokenTimer.of(timerThread);
        TokenTimer lagging = (task, delay) -> timed.schedule(task,
                Math.max(0, delay) + ThreadLocalRandom.current().nextLong(maxLag));
        TokenManager m = TokenManager.builder().banks(FakeBank::endpoints).clientId("PSDFR-ACPR-12345")
                .http(hangingHalf).jsonb(TokenManagerTest.JSONB).timer(lagging).io(io).policy(policy)
                .resilience(Resilience.NONE).build();
        long drop = Duration.ofMillis(3200).toNanos();
        AtomicInteger served = new AtomicInteger();
        AtomicInteger pastDrop = new AtomicInteger();
        AtomicLong worst = new AtomicLong();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Thread t = new Thread(() -> {
                    while (System.nanoTime() < end) {
                        for (String bk : banks) {
                            try {
                                // A call made at or after the token's drop point must never get it.
                                long calledAt = System.nanoTime();
                                AccessToken token = m.token(bk);
                                long late = calledAt - sentAt.get(token.value()) - drop;
                                served.incrementAndGet();
                                if (late >= 0) {
                                    pastDrop.incrementAndGet();
                                    worst.accumulateAndGet(late, Math::max);
                                }
                            } catch (BankTokenException e) {
                                // No token to be had from a hanging bank: the caller is told so, in time.
                            }
                        }
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                t.start();
                callers.add(t);
            }
            for (Thread t : callers) {
                t.join();
            }
        } finally {
            release.countDown();
            timerThread.shutdownNow();
            io.shutdownNow();
        }
        assertTrue(served.get() > 500, "callers were served: " + served.get());
        assertEquals(0, pastDrop.get(), "tokens served past their drop point, worst " + worst.get() / 1_000_000 + " ms");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Items 2 and 3: Retry-After is capped; nothing wedges a slot or a bank.

    @Test
    void aRetryAfterInTheYear9999IsCappedAndTheBankIsAskedAgainOnceItPasses() {
        // Item 2a: the far date once overflowed inside the failure path and left the request in flight for ever.
        TokenManager m = builder().build();
        bank.answer = () -> new HttpReply(503, "application/json", "{}", "Fri, 31 Dec 9999 23:59:59 GMT");
        var e = assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertEquals(Duration.ofMinutes(2), e.retryAfter().orElseThrow(), "cut to psd2.retry-after-max");
        bank.answer = null;
        clock.advance(Duration.ofMinutes(2));
        assertEquals("tok-2", m.token("13807").value(), "asked again once the capped delay passed");
    }

    @Test
    void aRetryAfterOfADayIsCappedAndInvalidateClearsTheReplayedFailure() {
        // Item 3: one "Retry-After: 86400" once replayed the failure to every caller for a day.
        TokenManager m = builder().build();
        bank.answer = () -> new HttpReply(503, "application/json", "{}", "86400");
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        bank.answer = null;
        clock.advance(Duration.ofSeconds(119));
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"), "honoured up to the cap");
        assertEquals(1, bank.requests.get());
        m.invalidate(Bkcode.of("13807"));
        assertEquals("tok-2", m.token("13807").value(), "invalidate(bank) clears the replayed failure");
    }

    @Test
    void aRetryAfterLongerThanTheTokensLifeCannotPostponeTheRefreshBeyondTheCap() {
        // Item 3: the background refresh of a stale token honours the bank, but never past the cap.
        TokenManager m = builder().build();
        m.token("13807");
        m.token("13807");
        clock.advance(TokenManagerTest.STALE);
        timer.runDue();
        bank.answer = () -> new HttpReply(503, "application/json", "{}", "86400");
        timer.runPending();
        bank.answer = null;
        clock.advance(Duration.ofMinutes(2));
        timer.runDue();
        AccessToken after = m.token("13807");
        timer.runPending();
        assertTrue(bank.requests.get() == 3 || !after.value().equals("tok-1"), "asked again after the cap");
        assertEquals("tok-3", m.token("13807").value());
    }

    /** Where a fault is injected inside a token request (item 2b). */
    enum Step { SEND_THROWS, REPLY_FAILS_UNTYPED, PARSE, METRICS_REQUEST, METRICS_SLOT, TIMER_REFUSES, IO_REFUSES }

    @ParameterizedTest
    @EnumSource(Step.class)
    void whateverIsThrownInsideARequestItsFlightEndsAndTheCircuitPermitIsGivenBack(Step step) {
        // Item 2b: the structural guarantee. The probe request of a half-open circuit meets a fault at one step;
        // whatever is thrown, its callers get an error (never a wait), the slot's flight is cleared and the probe
        // permit given back: once the fault is gone the very next call gets a token.
        AtomicBoolean sabotage = new AtomicBoolean();
        BankHttp http = (uri, form) -> {
            if (sabotage.get() && step == Step.SEND_THROWS) {
                throw new IllegalStateException("a bug in the HTTP seam");
            }
            if (sabotage.get() && step == Step.REPLY_FAILS_UNTYPED) {
                return CompletableFuture.failedFuture(new ArithmeticException("long overflow"));
            }
            if (sabotage.get() && step == Step.PARSE) {
                return CompletableFuture.completedFuture(new HttpReply(200, "application/json", "{\"access_token\""));
            }
            return bank.postForm(uri, form);
        };
        TokenMetrics throwing = new TokenMetrics() {
            @Override
            public void requestCompleted(String b, String outcome, long nanos, boolean background) {
                if (sabotage.get() && step == Step.METRICS_REQUEST) {
                    throw new IllegalStateException("a metrics binding bug");
                }
            }

            @Override
            public void slotCreated(String b, String scope, SlotCounters counters) {
                if (sabotage.get() && step == Step.METRICS_SLOT) {
                    throw new IllegalStateException("a metrics binding bug");
                }
            }
        };
        TokenTimer refusingTimer = (task, delay) -> {
            if (sabotage.get() && step == Step.TIMER_REFUSES) {
                throw new RejectedExecutionException("timer shut down");
            }
            return timer.schedule(task, delay);
        };
        java.util.concurrent.Executor refusingIo = task -> {
            if (sabotage.get() && step == Step.IO_REFUSES) {
                throw new RejectedExecutionException("executor shut down");
            }
            timer.execute(task);
        };
        TokenManager m = TokenManager.builder().banks(FakeBank::endpoints).clientId("PSDFR-ACPR-12345").http(http)
                .jsonb(TokenManagerTest.JSONB).timer(refusingTimer).io(refusingIo).clock(clock)
                .policy(TokenManagerTest.POLICY.withFailureBackoff(Duration.ZERO))
                .resilience(Resilience.NONE.withCircuit(1, Duration.ofSeconds(10))).metrics(throwing).build();
        // One failure opens the circuit; after its open period the next request is the probe.
        bank.answer = FakeBank::unavailable;
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807", "aisp"));
        bank.answer = null;
        assertThrows(CircuitOpenException.class, () -> m.token("13807"));
        clock.advance(Duration.ofSeconds(10));
        sabotage.set(true);
        try {
            CompletableFuture<AccessToken> probe = m.tokenAsync("13807").toCompletableFuture();
            timer.runPending();
            timer.runDue();
            assertTrue(probe.isDone(), step + ": the callers' future is settled");
            if (probe.isCompletedExceptionally()) {
                Throwable e = assertThrows(ExecutionException.class, probe::get).getCause();
                assertFalse(e instanceof CircuitOpenException, step + ": " + e);
            }
        } catch (BankTokenException | RejectedExecutionException e) {
            // Refused before any request (the I/O executor refused the async start): nothing was taken.
            assertTrue(step == Step.IO_REFUSES || step == Step.METRICS_SLOT, step + ": " + e);
        }
        sabotage.set(false);
        clock.advance(Duration.ofSeconds(10));
        AccessToken after = m.token("13807");
        assertTrue(after.value().startsWith("tok-"), step + ": the slot and the bank work again");
        assertSame(after, m.token("13807"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 4: a token knows its slot.

    @Test
    void aTokenGrantedAnotherScopeThanAskedIsEvictedFromTheSlotItWasAskedFor() {
        // Item 4: the default scope is pisp, the bank grants "aisp pisp", the application also asks "aisp pisp":
        // after a 403 the rejected token once stayed cached, since eviction looked for the granted scope's slot.
        bank.grantedScope = "aisp pisp";
        TokenManager m = builder().build();
        AccessToken first = m.token("13807");
        m.token("13807", "aisp pisp");
        assertEquals(Scope.of("aisp pisp"), first.scope());
        assertEquals(Scope.PISP, first.requestedScope());
        assertTrue(m.invalidate(first));
        AccessToken next = m.token("13807");
        assertNotSame(first, next, "the rejected token is gone");
        assertEquals(3, bank.requests.get());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 5: a token obtained with the old QWAC is never installed.

    @Test
    void aRequestInFlightDuringARotationIsNotInstalledButSentAgain() throws Exception {
        // Item 5: the request completes after invalidateAll(); its token (old certificate) once lived its lifetime.
        CompletableFuture<HttpReply> inFlight = new CompletableFuture<>();
        bank.pending = () -> bank.requests.get() == 1 ? inFlight : CompletableFuture.completedFuture(
                FakeBank.ok("after-rotation", "3600", null));
        TokenManager m = builder().build();
        CompletableFuture<AccessToken> waiting = m.tokenAsync("13807").toCompletableFuture();
        timer.runPending();
        m.invalidateAll();
        inFlight.complete(FakeBank.ok("before-rotation", "3600", null));
        timer.runPending();
        assertEquals("after-rotation", waiting.get().value(), "the waiter gets a token of the new certificate");
        assertEquals("after-rotation", m.token("13807").value());
        assertEquals(2, bank.requests.get());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 6: a refusing gate is asked before every request, on every path.

    @Test
    void aRefusingGateIsAskedBeforeEveryRequestOnEveryPathAndTheBankHearsNothing() throws Exception {
        // Item 6: role-check=refuse once refused only once (the check was remembered before it ran), checked the
        // explicit scope only after the request, and never checked tokenAsync.
        AtomicInteger checks = new AtomicInteger();
        RequestGate refuse = (b, s) -> {
            checks.incrementAndGet();
            if (s.roles().contains("aisp")) {
                throw new InvalidQwacException(b.value(), InvalidQwacException.Problem.MISSING_PSP_ROLE,
                        "scope needs PSP_AI", null);
            }
        };
        TokenManager m = builder().gate(refuse)
                .banks(b -> new BankEndpoints(b, URI.create("https://bank.test/" + b + "/token"),
                        URI.create("https://bank.test/" + b + "/v1"), Scope.of("aisp"))).build();
        for (int i = 0; i < 3; i++) {
            assertThrows(InvalidQwacException.class, () -> m.token("13807", "aisp"));
            assertThrows(InvalidQwacException.class, () -> m.token("13807"));
            assertThrows(InvalidQwacException.class, () -> m.withToken("13807", t -> "ok", r -> false));
            var async = assertThrows(java.util.concurrent.CompletionException.class,
                    () -> m.tokenAsync("13807", "aisp pisp").toCompletableFuture().join());
            assertInstanceOf(InvalidQwacException.class, async.getCause());
        }
        m.keepWarm(Bkcode.of("13807"), Scope.of("aisp"));
        timer.runPending();
        assertEquals(0, bank.requests.get(), "no token request under refuse");
        assertTrue(checks.get() >= 13, "checked every time: " + checks.get());
        assertEquals("tok-1", m.token("13807", "pisp").value(), "a scope the gate allows is served");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 7: scopes from untrusted input are bounded.

    @Test
    void tenThousandHostileScopesLeaveTheRegistryTheMetersAndTheBankUntouched() {
        // Item 7: 200 padded spellings of pisp once held 50 MiB; 1,000 scopes made 1,000 slots and requests.
        AtomicInteger meters = new AtomicInteger();
        TokenManager m = builder().metrics(new TokenMetrics() {
            @Override
            public void slotCreated(String b, String scope, SlotCounters counters) {
                meters.incrementAndGet();
            }
        }).build();
        m.token("13807", "pisp");
        int refused = 0;
        for (int i = 0; i < 10_000; i++) {
            String hostile = switch (i % 4) {
                case 0 -> "x" + i;
                case 1 -> " ".repeat(i % 130) + "pisp" + " ".repeat(i % 7);
                case 2 -> "pisp ".repeat(1 + i % 5000);
                default -> "aisp\u0000" + i;
            };
            try {
                assertEquals("tok-1", m.token("13807", hostile).value(), hostile);
            } catch (ScopeRefusedException e) {
                refused++;
            }
        }
        assertTrue(refused >= 7_400, "refused: " + refused);
        assertEquals(1, bank.requests.get(), "the bank heard nothing of them");
        assertEquals(1, m.states().size(), "one slot");
        assertEquals(1, meters.get(), "one slot's meters");
        assertEquals(1, m.registry.spellings(), "only the canonical spelling is kept");
    }

    @Test
    void aBankHasAtMostTheConfiguredNumberOfScopes() {
        TokenManager m = builder().scopes(new ScopeRules(java.util.Set.of(), 2)).build();
        m.token("13807", "pisp");
        m.token("13807", "aisp");
        var e = assertThrows(ScopeRefusedException.class, () -> m.token("13807", "cbpii"));
        assertTrue(e.getMessage().contains("psd2.max-scopes-per-bank"), e.getMessage());
        assertEquals("tok-3", m.token("17515", "cbpii").value(), "per bank");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 8: only tokens in use are refreshed ahead of time.

    @Test
    void aScopeAskedOnceIsNotRefreshedForEver() {
        // Item 8: a scope asked once at start once caused a token request every lifetime until undeploy.
        TokenManager m = builder().build();
        m.token("13807", "aisp");
        for (int s = 0; s < 10 * 3600; s += 10) {
            clock.advance(Duration.ofSeconds(10));
            timer.runDue();
            timer.runPending();
        }
        assertEquals(1, bank.requests.get(), "one request in ten lifetimes");
        assertTrue(m.states().isEmpty(), "the idle slot left");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 9: a healthy cold start fails nobody.

    @Test
    void thousandCallersAtAColdStartWithASlowButHealthyBankAllGetTheToken() throws Exception {
        // Item 9: 300 callers and a 1 s bank once gave 236 BankBusyExceptions (psd2.max-waiting-callers = 64).
        CompletableFuture<HttpReply> answer = new CompletableFuture<>();
        bank.pending = () -> answer;
        ExecutorService io = Executors.newFixedThreadPool(2);
        TokenManager m = TokenManager.builder().banks(FakeBank::endpoints).clientId("PSDFR-ACPR-12345").http(bank)
                .jsonb(TokenManagerTest.JSONB).timer(timer).io(io).clock(TokenClock.system())
                .policy(TokenPolicy.DEFAULT).resilience(Resilience.DEFAULT).build();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch arrived = new CountDownLatch(1000);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Thread t = new Thread(() -> {
                arrived.countDown();
                try {
                    m.token("13807");
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
            });
            t.start();
            threads.add(t);
        }
        arrived.await();
        Thread.sleep(500); // the bank takes its time (well under psd2.slow-bank-threshold)
        answer.complete(FakeBank.ok("cold", "3600", null));
        for (Thread t : threads) {
            t.join();
        }
        io.shutdownNow();
        assertEquals(0, failed.get(), "failed callers");
        assertEquals(1, bank.requests.get());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 10: every configuration keeps a real stale window.

    @Test
    void aRefreshSkewBelowTheExpiryMarginStillLeavesAStaleWindowSoNoCallerWaits() {
        // Item 10: 6 s tokens with psd2.refresh-skew=1s and the default 15 s margin (1.2 s once capped): the skew
        // was raised to the margin, tokens went from fresh to expired, every refresh blocked every caller.
        TokenPolicy policy = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24), Duration.ofSeconds(1),
                Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMinutes(2));
        bank.expiresIn = "6";
        TokenManager m = builder().policy(policy).build();
        m.token("13807");
        int blocking = 0;
        for (int ms = 0; ms < 60_000; ms += 100) {
            clock.advance(Duration.ofMillis(100));
            timer.runDue();
            int before = bank.requests.get();
            m.token("13807");
            if (bank.requests.get() > before) {
                blocking++;
            }
            timer.runPending();
        }
        assertEquals(0, blocking, "callers that had to wait for a request");
        assertTrue(bank.requests.get() >= 10, "refreshed in the background: " + bank.requests.get());
        assertEquals(Duration.ofMillis(500), policy.toleratedTimerLag(Duration.ofSeconds(6)));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 12: each caller its own error.

    @Test
    void callersRefusedByAnOpenCircuitEachGetTheirOwnErrorAndNothingPilesUp() {
        // Item 12: replayed failures were one shared instance; suppressed exceptions piled up on it.
        TokenManager m = builder().resilience(Resilience.NONE.withCircuit(1, Duration.ofMinutes(1)))
                .policy(TokenManagerTest.POLICY.withFailureBackoff(Duration.ZERO)).build();
        bank.answer = FakeBank::unavailable;
        TokenRequestRejectedException original = assertThrows(TokenRequestRejectedException.class,
                () -> m.token("13807"));
        List<CircuitOpenException> refusals = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            CircuitOpenException e = assertThrows(CircuitOpenException.class, () -> m.token("13807"));
            e.addSuppressed(new RuntimeException("a caller's own context"));
            refusals.add(e);
        }
        assertEquals(100, refusals.stream().distinct().count(), "a new exception per caller");
        assertEquals(0, original.getCause().getSuppressed().length, "the shared failure stays clean");
        assertInstanceOf(TokenRequestRejectedException.class, refusals.get(99).getCause());
        assertEquals(0, refusals.get(99).getCause().getSuppressed().length);
        assertEquals(100, m.states().get(0).refusedCallers());
    }

    @Test
    void wallClockInstantsStayForDisplay() {
        bank.expiresIn = "60";
        AccessToken t = builder().build().token("13807");
        assertEquals(Instant.parse("2026-11-25T10:01:00Z"), t.expiresAt());
    }
}
