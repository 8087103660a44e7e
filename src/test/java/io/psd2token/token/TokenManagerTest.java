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
import io.psd2token.bank.RequestStyle;
import io.psd2token.bank.Scope;
import io.psd2token.http.BankHttp;
import io.psd2token.http.HttpReply;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The token life cycle on a clock and a scheduler that only the test moves. */
class TokenManagerTest {

    static final Jsonb JSONB = JsonbBuilder.create();
    static final Bkcode BPGO = Bkcode.of("13807");
    static final Bkcode CEIDF = Bkcode.of("17515");
    // Lifetime 3600 s: fresh until 3540 s (60 s skew), stale until 3585 s (15 s margin), then expired.
    static final TokenPolicy POLICY = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(1));

    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final FakeBank bank = new FakeBank();
    private final TokenManager manager = manager("PSDFR-ACPR-12345", POLICY);

    @AfterAll
    static void closeJsonb() throws Exception {
        JSONB.close();
    }

    private TokenManager manager(String clientId, TokenPolicy policy) {
        return new TokenManager(TokenManagerTest::endpoints, clientId, bank, clock, policy, JSONB, scheduler);
    }

    static BankEndpoints endpoints(Bkcode b) {
        return new BankEndpoints(b, URI.create("https://bank.test/" + b + "/token"),
                URI.create("https://bank.test/" + b + "/v1"), Scope.PISP);
    }

    /** Moves the clock and lets a punctual scheduler catch up. */
    private void advance(Duration d) {
        clock.advance(d);
        scheduler.runDue();
    }

    @Test
    void secondCallForTheSameBankReusesTheToken() {
        AccessToken first = manager.token("13807");
        assertSame(first, manager.token("13807"));
        assertSame(first, manager.token(BPGO, Scope.PISP));
        assertEquals(1, bank.requests.get());
        assertEquals("grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp", bank.lastBody);
        assertEquals(URI.create("https://bank.test/13807/token"), bank.lastUri);
    }

    @Test
    void queryStyleSendsTheParametersInTheUrlAndFormPlusQueryInBoth() {
        TokenManager query = new TokenManager(b -> new BankEndpoints(b, URI.create("https://bank.test/t?v=1"),
                URI.create("https://bank.test/v1"), Scope.PISP, RequestStyle.QUERY), "PSDFR-ACPR-12345", bank, clock,
                POLICY, JSONB, scheduler);
        query.token("13807");
        assertEquals(URI.create("https://bank.test/t?v=1&grant_type=client_credentials&client_id=PSDFR-ACPR-12345"
                + "&scope=pisp"), bank.lastUri);
        assertEquals("", bank.lastBody);
        TokenManager both = new TokenManager(b -> new BankEndpoints(b, URI.create("https://bank.test/t"),
                URI.create("https://bank.test/v1"), Scope.PISP, RequestStyle.FORM_AND_QUERY), "PSDFR-ACPR-12345", bank,
                clock, POLICY, JSONB, scheduler);
        both.token("17515");
        assertEquals("grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp", bank.lastUri.getRawQuery());
        assertEquals(bank.lastUri.getRawQuery(), bank.lastBody);
    }

    @Test
    void eachBankHasItsOwnToken() {
        AccessToken a = manager.token("13807");
        AccessToken b = manager.token("17515");
        assertEquals(2, bank.requests.get());
        assertFalse(a.value().equals(b.value()));
        assertEquals(CEIDF, b.bank());
    }

    @Test
    void scopesAreCachedByNormalisedRoleSet() {
        manager.token("13807", "pisp aisp");
        manager.token("13807", "aisp  pisp");
        manager.token(BPGO, Scope.of(" pisp aisp"));
        assertEquals(1, bank.requests.get());
        manager.token("13807", "aisp");
        manager.token("13807");
        assertEquals(3, bank.requests.get());
    }

    @Test
    void freshTokenIsServedWithoutAnyRequestUntilTheStalePoint() {
        AccessToken first = manager.token("13807");
        advance(Duration.ofSeconds(3540).minusNanos(1));
        assertSame(first, manager.token("13807"));
        assertEquals(0, scheduler.pending(), "no refresh while fresh");
        assertEquals(1, bank.requests.get());
    }

    @Test
    void whenTokenIsStaleThenItIsServedAndOneRefreshRunsInTheBackground() {
        AccessToken first = manager.token("13807");
        advance(Duration.ofSeconds(3540));
        assertSame(first, manager.token("13807"), "stale token served at once");
        assertSame(first, manager.token("13807"));
        assertSame(first, manager.token("13807"));
        assertEquals(1, scheduler.pending(), "exactly one background refresh queued");
        assertEquals(1, bank.requests.get(), "nobody waited for the bank");
        scheduler.runPending();
        assertEquals(2, bank.requests.get());
        AccessToken second = manager.token("13807");
        assertNotSame(first, second);
        assertSame(second, manager.token("13807"));
        assertEquals(1, manager.states().get(0).backgroundRefreshes());
    }

    @Test
    void aCallerStillHoldingTheOldStaleTokenDoesNotStartASecondRefresh() throws Exception {
        // Regression: found by the refresh storm benchmark (docs/performance.md), replayed step by step here.
        WatchedClock pausing = new WatchedClock(clock);
        TokenManager m = manager(pausing);
        m.token("13807");
        advance(Duration.ofSeconds(3540));
        // The refresh the scheduler starts at the stale point fails, so callers check the clock again.
        bank.answer = TokenManagerTest::unavailable;
        scheduler.runPending();
        bank.answer = null;
        advance(Duration.ofSeconds(1));
        // Caller A reads the stale token and is held inside its clock read.
        Thread a = new Thread(() -> m.token("13807"), "caller-A");
        pausing.pause(a);
        a.start();
        assertTrue(pausing.paused.await(5, java.util.concurrent.TimeUnit.SECONDS));
        // Caller B starts the one background refresh, which completes.
        m.token("13807");
        scheduler.runPending();
        assertEquals(3, bank.requests.get());
        // A resumes with the token it read before the refresh: it must not start another one.
        pausing.resume.countDown();
        a.join(5_000);
        scheduler.runPending();
        assertEquals(3, bank.requests.get(), "one request per refresh");
    }

    /**
     * Delegates to a clock, counting the monotonic reads (to tell the fast path, none, from the slow path) and
     * holding one chosen thread inside nanoTime() until told to go on.
     */
    private static final class WatchedClock implements TokenClock {
        private final TokenClock delegate;
        private volatile Thread toPause;
        final AtomicInteger reads = new AtomicInteger();
        final java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);

        WatchedClock(TokenClock delegate) {
            this.delegate = delegate;
        }

        void pause(Thread t) {
            toPause = t;
        }

        @Override
        public long nanoTime() {
            reads.incrementAndGet();
            if (Thread.currentThread() == toPause) {
                toPause = null;
                paused.countDown();
                try {
                    resume.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return delegate.nanoTime();
        }

        @Override
        public java.time.Instant now() {
            return delegate.now();
        }
    }

    @Test
    void expiredTokenIsNeverServedAndTheCallerWaitsForANewOne() {
        AccessToken first = manager.token("13807");
        advance(Duration.ofSeconds(3585).minusNanos(1));
        assertSame(first, manager.token("13807"), "still valid one nanosecond before expiry minus margin");
        scheduler.runPending(); // the refresh the scheduler started at the stale point
        AccessToken refreshed = manager.token("13807");
        assertNotSame(first, refreshed);

        // The refreshed token's own refresh fails, and nobody calls again before it expires.
        advance(Duration.ofSeconds(3540));
        bank.answer = TokenManagerTest::unavailable;
        assertEquals(1, scheduler.runPending());
        bank.answer = null;
        advance(Duration.ofSeconds(45));
        int before = bank.requests.get();
        AccessToken third = manager.token("13807");
        assertNotSame(refreshed, third);
        assertEquals(before + 1, bank.requests.get(), "a blocking request, not a background one");
        assertEquals(0, scheduler.pending());
    }

    @Test
    void theSchedulerStartsTheRefreshAtTheStalePointAndCallersKeepTheFastPath() {
        WatchedClock counting = new WatchedClock(clock);
        TokenManager m = manager(counting);
        AccessToken first = m.token("13807");
        advance(Duration.ofSeconds(3540));
        assertEquals(1, scheduler.pending(), "refresh started by the scheduler, before any caller");
        long reads = counting.reads.get();
        assertSame(first, m.token("13807"));
        assertEquals(reads, counting.reads.get(), "no clock read: callers keep the fast path while it runs");
        assertEquals(1, scheduler.pending(), "still one refresh");
        scheduler.runPending();
        AccessToken second = m.token("13807");
        assertNotSame(first, second);
        assertEquals(2, bank.requests.get());
        reads = counting.reads.get();
        assertSame(second, m.token("13807"));
        assertEquals(reads, counting.reads.get());
    }

    @Test
    void aRefreshThatHasNotLandedByHalfTheStaleWindowSendsCallersBackToTheClock() {
        WatchedClock counting = new WatchedClock(clock);
        TokenManager m = manager(counting);
        AccessToken first = m.token("13807");
        advance(Duration.ofSeconds(3540)); // refresh queued, never run: a bank that does not answer
        advance(Duration.ofMillis(22_500).minusNanos(1));
        long reads = counting.reads.get();
        assertSame(first, m.token("13807"));
        assertEquals(reads, counting.reads.get(), "fast path until 3540 s + (3585 s - 3540 s) / 2");
        advance(Duration.ofNanos(1));
        assertSame(first, m.token("13807"), "still valid, served after a clock check");
        assertTrue(counting.reads.get() > reads, "the guard deadline sent callers back to the clock");
        assertEquals(1, scheduler.pending(), "no second refresh while the first is in flight");
    }

    @Test
    void aRefreshThatCannotStartEndsTheFastPathAtOnce() {
        WatchedClock counting = new WatchedClock(clock);
        // One failure opens the bank's circuit for two hours.
        TokenManager m = new TokenManager(TokenManagerTest::endpoints, "PSDFR-ACPR-12345", bank, counting, POLICY,
                JSONB, scheduler, new Resilience(1, Duration.ofMillis(100), Duration.ofSeconds(1), 1,
                        Duration.ofHours(2), 0));
        AccessToken first = m.token("13807");
        bank.answer = TokenManagerTest::unavailable;
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807", "aisp"));
        bank.answer = null;
        advance(Duration.ofSeconds(3540));
        assertEquals(0, scheduler.pending(), "circuit open: the stale point cannot start a refresh");
        long reads = counting.reads.get();
        assertSame(first, m.token("13807"));
        assertTrue(counting.reads.get() > reads, "callers check the clock, and retry once the circuit allows");
        assertEquals(2, bank.requests.get());
    }

    /** A bank's 503 answer: a failure that is retried, not a client error. */
    private static HttpReply unavailable() {
        return new HttpReply(503, "application/json", "{\"error\":\"temporarily_unavailable\"}");
    }

    private TokenManager manager(TokenClock clock) {
        return new TokenManager(TokenManagerTest::endpoints, "PSDFR-ACPR-12345", bank, clock, POLICY, JSONB,
                scheduler);
    }

    @Test
    void shortLifetimesKeepAFreshWindow() {
        bank.expiresIn = "5";
        AccessToken first = manager.token("13807");
        // 5 s token: stale after 2.5 s (skew capped at half), expired after 4 s (margin capped at a fifth).
        advance(Duration.ofMillis(2499));
        assertSame(first, manager.token("13807"));
        assertEquals(0, scheduler.pending());
        advance(Duration.ofMillis(1));
        assertSame(first, manager.token("13807"));
        assertEquals(1, scheduler.pending());
        advance(Duration.ofMillis(1500));
        scheduler.runPending(); // the refresh lands too late to matter: its own token is what counts
        assertNotSame(first, manager.token("13807"));
    }

    @Test
    void lifetimeCountsFromSendingNotFromReceipt() {
        bank.expiresIn = "100";
        bank.latency = Duration.ofSeconds(30);
        AccessToken first = manager.token("13807");
        // Expires at sent + 100 s - 15 s margin = 85 s after sending; 30 s of that passed in the request.
        advance(Duration.ofSeconds(55).minusNanos(1));
        assertSame(first, manager.token("13807"));
        bank.latency = Duration.ZERO;
        scheduler.runPending();
        advance(Duration.ofNanos(1));
        assertNotSame(first, manager.token("13807"));
    }

    @Test
    void wallClockJumpsDoNotChangeAnything() {
        AccessToken first = manager.token("13807");
        clock.jumpWallClock(Duration.ofDays(2));
        assertSame(first, manager.token("13807"));
        clock.jumpWallClock(Duration.ofDays(-4));
        assertSame(first, manager.token("13807"));
        assertEquals(1, bank.requests.get());
    }

    @Test
    void aLaggingSchedulerNeverCausesAnExpiredTokenToBeServedWhileItLagsLessThanTheStaleWindow() {
        // Stale window = 60 s skew - 15 s margin = 45 s: the refresh the late stale task starts still lands in
        // time when the scheduler is late by less than that.
        assertNoExpiredTokenServed(Duration.ofSeconds(44), true, true);
        // The bound is real: a scheduler late by more than the window would let an expired token through,
        // which is why the window must exceed any plausible scheduling delay (and why 403 recovery exists).
        assertNoExpiredTokenServed(Duration.ofSeconds(50), true, false);
    }

    @Test
    void withABankThatNeverAnswersTheSameBoundHolds() {
        // The refresh hangs, so the fast path ends by the guard deadline (half-way through the window) or, when
        // the stale task itself runs after that deadline, at once: either way before expiry within the bound.
        assertNoExpiredTokenServed(Duration.ofSeconds(10), false, true);
        assertNoExpiredTokenServed(Duration.ofSeconds(30), false, true);
        assertNoExpiredTokenServed(Duration.ofSeconds(44), false, true);
        assertNoExpiredTokenServed(Duration.ofSeconds(50), false, false);
    }

    private void assertNoExpiredTokenServed(Duration lag, boolean bankAnswers, boolean expectSafe) {
        FakeClock c = new FakeClock();
        FakeScheduler lagging = new FakeScheduler(c);
        AtomicInteger n = new AtomicInteger();
        ConcurrentHashMap<String, Long> expiry = new ConcurrentHashMap<>();
        BankHttp http = (uri, form) -> {
            String value = "t" + n.incrementAndGet();
            expiry.put(value, c.nanoTime() + Duration.ofSeconds(3600 - 15).toNanos());
            return new HttpReply(200, "application/json",
                    "{\"access_token\":\"" + value + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
        };
        // Callers that find no usable token give up at once rather than wait for a refresh that never runs.
        TokenPolicy policy = new TokenPolicy(POLICY.defaultLifetime(), POLICY.maxLifetime(), POLICY.refreshSkew(),
                POLICY.expiryMargin(), Duration.ofNanos(1), POLICY.failureBackoff());
        TokenManager m = new TokenManager(TokenManagerTest::endpoints, "PSDFR-ACPR-12345", http, c, policy, JSONB,
                lagging);
        boolean servedExpired = false;
        for (int second = 0; second < 4 * 3600; second++) {
            try {
                AccessToken t = m.token("13807");
                servedExpired |= c.nanoTime() - expiry.get(t.value()) >= 0;
            } catch (TokenWaitTimeoutException e) {
                assertFalse(bankAnswers, "a working bank keeps a token available");
            }
            c.advance(Duration.ofSeconds(1));
            // Timed tasks (the stale point, the guard) run late; refreshes run as soon as they are started,
            // or never when the bank does not answer.
            lagging.runDueLate(lag.toNanos());
            if (bankAnswers) {
                lagging.runPending();
            }
        }
        assertEquals(!expectSafe, servedExpired, "lag " + lag);
    }

    @Test
    void absentExpiresInUsesTheDefaultLifetime() {
        bank.expiresIn = null;
        AccessToken first = manager.token("13807");
        assertEquals(Duration.ofMinutes(10), first.lifetime());
        advance(Duration.ofMinutes(9).minusNanos(1));
        assertSame(first, manager.token("13807"), "fresh for 10 min - 60 s");
        assertEquals(0, scheduler.pending());
    }

    @Test
    void failedBackgroundRefreshKeepsServingTheValidTokenAndRetriesWithBackoff() {
        AccessToken first = manager.token("13807");
        advance(Duration.ofSeconds(3540));
        bank.answer = TokenManagerTest::unavailable;
        assertSame(first, manager.token("13807"));
        scheduler.runPending();
        assertEquals(2, bank.requests.get());
        assertSame(first, manager.token("13807"), "the failure does not drop the valid token");
        assertEquals(0, scheduler.pending(), "no retry before the back-off (1 s)");
        advance(Duration.ofMillis(999));
        manager.token("13807");
        assertEquals(0, scheduler.pending());
        advance(Duration.ofMillis(1));
        manager.token("13807");
        scheduler.runPending();
        assertEquals(3, bank.requests.get());
        manager.token("13807");
        assertEquals(0, scheduler.pending(), "second failure: back-off doubled to 2 s");
        advance(Duration.ofSeconds(2));
        bank.answer = null;
        manager.token("13807");
        scheduler.runPending();
        AccessToken recovered = manager.token("13807");
        assertNotSame(first, recovered);
        assertEquals(4, bank.requests.get());
        assertEquals(2, manager.states().get(0).failures());
    }

    @Test
    void failedBlockingRequestIsNotCachedBeyondTheBackoff() {
        bank.answer = () -> new HttpReply(503, "text/plain", "busy");
        var first = assertThrows(TokenRequestRejectedException.class, () -> manager.token("13807"));
        var again = assertThrows(TokenRequestRejectedException.class, () -> manager.token("13807"));
        assertSame(first, again, "within the back-off the same error, without a request");
        assertEquals(1, bank.requests.get());
        bank.answer = null;
        advance(Duration.ofSeconds(1));
        AccessToken t = manager.token("13807");
        assertEquals(2, bank.requests.get());
        assertSame(t, manager.token("13807"));
    }

    @Test
    void withoutBackoffTheNextCallerTriesAgainAtOnce() {
        TokenManager noBackoff = manager("PSDFR-ACPR-12345", POLICY.withFailureBackoff(Duration.ZERO));
        bank.answer = () -> new HttpReply(200, "application/json", "{\"access_token\":\"x\",\"token_type\":\"MAC\"}");
        assertThrows(UnsupportedTokenTypeException.class, () -> noBackoff.token("13807"));
        bank.answer = null;
        assertEquals("Bearer", noBackoff.token("13807").tokenType());
        assertEquals(2, bank.requests.get());
    }

    @Test
    void aFailureOfOneBankLeavesTheOthersAlone() {
        manager.token("17515");
        bank.answer = () -> new HttpReply(401, "application/json", "{\"error\":\"invalid_client\"}");
        assertThrows(TokenRequestRejectedException.class, () -> manager.token("13807"));
        bank.answer = null;
        manager.token("17515");
        assertEquals(2, bank.requests.get(), "the other bank's token is untouched");
    }

    @Test
    void invalidateOfAnOldTokenKeepsTheNewerOne() {
        AccessToken old = manager.token("13807");
        assertTrue(manager.invalidate(old));
        AccessToken newer = manager.token("13807");
        assertFalse(manager.invalidate(old), "a stale holder must not evict the newer token");
        assertSame(newer, manager.token("13807"));
        assertEquals(2, bank.requests.get());
    }

    @Test
    void invalidateBankDropsAllItsScopesOnly() {
        manager.token("13807");
        manager.token("13807", "aisp");
        manager.token("17515");
        manager.invalidate(BPGO);
        manager.token("13807");
        manager.token("13807", "aisp");
        manager.token("17515");
        assertEquals(5, bank.requests.get());
    }

    @Test
    void withTokenResendsOnceWithANewTokenAfterInvalidToken() {
        AccessToken stale = manager.token("13807");
        AtomicInteger calls = new AtomicInteger();
        String result = manager.withToken("13807",
                token -> calls.incrementAndGet() == 1 ? "403 Invalid token" : "201 with " + token.value(),
                r -> r.startsWith("403"));
        assertEquals(2, calls.get());
        assertEquals(2, bank.requests.get(), "exactly one extra token request");
        assertFalse(result.contains(stale.value()));
        assertTrue(result.startsWith("201"));
    }

    @Test
    void withTokenGivesUpAfterTheSecondInvalidToken() {
        AtomicInteger calls = new AtomicInteger();
        var e = assertThrows(TokenRejectedException.class,
                () -> manager.withToken("13807", token -> calls.incrementAndGet(), r -> true));
        assertEquals(2, calls.get());
        assertEquals("13807", e.bkcode().orElseThrow());
    }

    @Test
    void asyncTokenCompletesAtOnceWhenCachedAndOnTheSchedulerWhenNot() throws Exception {
        CompletableFuture<AccessToken> cold = manager.tokenAsync("13807").toCompletableFuture();
        assertFalse(cold.isDone(), "the request runs on the scheduler, not on the caller");
        assertEquals(1, scheduler.runPending());
        AccessToken t = cold.get();
        CompletableFuture<AccessToken> warm = manager.tokenAsync("13807").toCompletableFuture();
        assertTrue(warm.isDone());
        assertSame(t, warm.get());
        assertEquals(1, bank.requests.get());
    }

    @Test
    void asyncTokenFailsWithTheTypedError() {
        bank.answer = () -> new HttpReply(401, "application/json", "{\"error\":\"invalid_client\"}");
        CompletableFuture<AccessToken> f = manager.tokenAsync("13807").toCompletableFuture();
        scheduler.runPending();
        var e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof TokenRequestRejectedException, e.toString());
    }

    @Test
    void statesDescribeEverySlotWithoutTheToken() {
        AccessToken t = manager.token("13807");
        advance(Duration.ofSeconds(100));
        List<TokenState> states = manager.states();
        assertEquals(1, states.size());
        TokenState s = states.get(0);
        assertEquals("13807", s.bank());
        assertEquals(TokenState.Phase.FRESH, s.phase());
        assertEquals(Duration.ofSeconds(100), s.age());
        assertEquals(Duration.ofSeconds(3485), s.expiresIn());
        assertFalse(s.toString().contains(t.value()));
        advance(Duration.ofSeconds(3440));
        assertEquals(TokenState.Phase.STALE, manager.states().get(0).phase());
        advance(Duration.ofSeconds(45));
        assertEquals(TokenState.Phase.EXPIRED, manager.states().get(0).phase());
    }

    @Test
    void metricsSeeEverySlotRequestOutcomeHitAndRecovery() {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.Map<String, TokenMetrics.SlotCounters> slots = new java.util.concurrent.ConcurrentHashMap<>();
        TokenMetrics recording = new TokenMetrics() {
            @Override
            public void slotCreated(String bank, String scope, SlotCounters counters) {
                slots.put(bank + " " + scope, counters);
            }

            @Override
            public void requestCompleted(String bank, String outcome, long nanos, boolean background) {
                events.add(bank + " " + outcome + (background ? " background" : ""));
            }

            @Override
            public boolean countsHits() {
                return true;
            }
        };
        TokenManager m = new TokenManager(TokenManagerTest::endpoints, "PSDFR-ACPR-12345", bank, clock, POLICY, JSONB,
                scheduler, Resilience.NONE, recording);
        AccessToken first = m.token("13807");
        m.token("13807");
        m.token("13807");
        TokenMetrics.SlotCounters counters = slots.get("13807 pisp");
        assertEquals(1, counters.requests());
        assertEquals(2, counters.hits());
        assertEquals(3585, Math.round(counters.tokenExpiresInSeconds()));
        assertTrue(m.invalidate(first));
        assertEquals(1, counters.invalidTokenRecoveries());
        bank.answer = () -> new HttpReply(401, "application/json", "{\"error\":\"invalid_client\"}");
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertEquals(List.of("13807 success", "13807 TokenRequestRejectedException"), events);
        assertEquals(1, counters.failures());
        assertEquals(-1, counters.tokenAgeSeconds());
        assertEquals(0, counters.circuitOpen());
    }

    @Test
    void missingClientIdFailsWithTheKeyToSetAndSendsNothing() {
        var e = assertThrows(ConfigurationException.class, () -> manager(null, POLICY).token("13807"));
        assertTrue(e.getMessage().contains("psd2.client-id"));
        assertEquals(0, bank.requests.get());
    }

    @Test
    void malformedBankCodeFailsBeforeAnySlotOrRequest() {
        assertThrows(io.psd2token.bank.UnknownBankException.class, () -> manager.token("17515.evil.example"));
        assertThrows(io.psd2token.bank.UnknownBankException.class, () -> manager.token("../x", "pisp"));
        assertEquals(0, bank.requests.get());
        assertTrue(manager.states().isEmpty());
    }

    /** A bank that answers from code and counts requests. */
    final class FakeBank implements BankHttp {
        final AtomicInteger requests = new AtomicInteger();
        volatile String expiresIn = "3600";
        volatile Duration latency = Duration.ZERO;
        volatile Supplier<HttpReply> answer;
        volatile String lastBody;
        volatile URI lastUri;

        @Override
        public HttpReply postForm(URI uri, String formBody) {
            int n = requests.incrementAndGet();
            lastBody = formBody;
            lastUri = uri;
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
