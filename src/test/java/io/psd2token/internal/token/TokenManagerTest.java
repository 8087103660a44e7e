package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.RequestStyle;
import io.psd2token.bank.Scope;
import io.psd2token.error.ConfigurationException;
import io.psd2token.error.InvalidTokenResponseException;
import io.psd2token.error.TokenRejectedException;
import io.psd2token.error.TokenRequestRejectedException;
import io.psd2token.error.TokenWaitTimeoutException;
import io.psd2token.error.UnknownBankException;
import io.psd2token.error.UnsupportedTokenTypeException;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.testbed.ManualTimer;
import io.psd2token.testbed.TestClock;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import io.psd2token.token.TokenState;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The token life cycle on a clock and a timer that only the test moves.
 *
 * <p>With {@link #POLICY} a 3600 s token is dropped at 3585 s (15 s margin), turns stale at 3525 s (60 s before
 * the drop point) and leaves the fast path at 3555 s (half-way).
 */
class TokenManagerTest {

    static final Jsonb JSONB = JsonbBuilder.create();
    static final Bkcode BPGO = Bkcode.of("13807");
    static final Bkcode CEIDF = Bkcode.of("17515");
    static final TokenPolicy POLICY = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(1),
            Duration.ofMinutes(2));
    static final Duration STALE = Duration.ofSeconds(3525);
    static final Duration FAST_END = Duration.ofSeconds(3555);
    static final Duration DROP = Duration.ofSeconds(3585);

    private final TestClock clock = new TestClock();
    private final ManualTimer timer = new ManualTimer(clock);
    private final FakeBank bank = new FakeBank(clock);
    private final TokenManager manager = builder().build();

    @AfterAll
    static void closeJsonb() throws Exception {
        JSONB.close();
    }

    /** A manager on this test's clock, timer and bank, with no retries or circuit breaker. */
    private TokenManagerBuilder builder() {
        return builder(clock, timer, bank);
    }

    static TokenManagerBuilder builder(TokenClock clock, ManualTimer timer, BankHttp bank) {
        return TokenManager.builder().banks(FakeBank::endpoints).clientId("PSDFR-ACPR-12345").http(bank).jsonb(JSONB)
                .timer(timer).io(timer).clock(clock).policy(POLICY).resilience(Resilience.NONE);
    }

    /** Moves the clock, lets a punctual timer catch up and runs what it handed over. */
    private void advance(Duration d) {
        clock.advance(d);
        timer.runDue();
    }

    /** The token, asked twice: the second call comes from the cache and marks the token as in use. */
    private AccessToken used(TokenManager m, String bk) {
        m.token(bk);
        return m.token(bk);
    }

    @Test
    void jsonBLearnsTheTokenResponseWhenTheManagerIsBuiltNotInTheFirstCallersRequest() {
        AtomicInteger reads = new AtomicInteger();
        TokenManager m = builder().jsonb(counting(JSONB, reads, false)).build();
        assertEquals(1, reads.get(), "one answer read at build");
        assertEquals(0, bank.requests.get(), "and nothing sent");
        m.token("13807");
        assertEquals(2, reads.get());
    }

    @Test
    void aJsonBThatCannotReadTheWarmUpAnswerLetsTheManagerBuildAndFailsTheFirstAnswerWithATypedError() {
        AtomicInteger reads = new AtomicInteger();
        TokenManager m = builder().jsonb(counting(JSONB, reads, true)).build();
        assertEquals(1, reads.get());
        InvalidTokenResponseException e = assertThrows(InvalidTokenResponseException.class, () -> m.token("13807"));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
    }

    /** The JSON-B, counting its reads, or failing each with a {@code JsonbException}. */
    private static Jsonb counting(Jsonb jsonb, AtomicInteger reads, boolean failing) {
        return (Jsonb) java.lang.reflect.Proxy.newProxyInstance(Jsonb.class.getClassLoader(),
                new Class<?>[] {Jsonb.class}, (proxy, method, args) -> {
                    if (method.getName().equals("fromJson")) {
                        reads.incrementAndGet();
                        if (failing) {
                            throw new jakarta.json.bind.JsonbException("cannot read");
                        }
                    }
                    try {
                        return method.invoke(jsonb, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aTokenHasOneTimerTaskWaitingAndAReplacedOrEvictedOneLeavesTheTimerAtOnce() {
        used(manager, "13807");
        assertEquals(1, timer.scheduled(), "the stale point only; the next points follow one at a time");
        for (int i = 0; i < 100; i++) {
            AccessToken token = manager.token("13807");
            assertTrue(manager.invalidate(token));
            manager.token("13807");
        }
        assertEquals(101, bank.requests.get());
        assertEquals(1, timer.scheduled(), "a hundred replaced tokens left nothing queued behind them");
        manager.token("13807"); // from the cache: in use

        // The points still come, one after the other, for the token in the slot.
        advance(STALE);
        timer.runPending();
        assertEquals(102, bank.requests.get(), "refreshed at its stale point, being in use");
        assertEquals(1, timer.scheduled(), "the successor's stale point; the predecessor's fast-path end cancelled");
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
        TokenManager query = builder().banks(b -> new BankEndpoints(b, URI.create("https://bank.test/t?v=1"),
                URI.create("https://bank.test/v1"), Scope.PISP, RequestStyle.QUERY)).build();
        query.token("13807");
        assertEquals(URI.create("https://bank.test/t?v=1&grant_type=client_credentials&client_id=PSDFR-ACPR-12345"
                + "&scope=pisp"), bank.lastUri);
        assertEquals("", bank.lastBody);
        TokenManager both = builder().banks(b -> new BankEndpoints(b, URI.create("https://bank.test/t"),
                URI.create("https://bank.test/v1"), Scope.PISP, RequestStyle.FORM_AND_QUERY)).build();
        both.token("17515");
        assertEquals("grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp", bank.lastUri.getRawQuery());
        assertEquals(bank.lastUri.getRawQuery(), bank.lastBody);
    }

    @Test
    void eachBankHasItsOwnToken() {
        AccessToken a = manager.token("13807");
        AccessToken b = manager.token("17515");
        assertEquals(2, bank.requests.get());
        assertNotEquals(a.value(), b.value());
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
        AccessToken first = used(manager, "13807");
        advance(STALE.minusNanos(1));
        assertSame(first, manager.token("13807"));
        assertEquals(0, timer.pending(), "no refresh while fresh");
        assertEquals(1, bank.requests.get());
    }

    @Test
    void whenAUsedTokenTurnsStaleThenItIsServedAndOneRefreshRunsInTheBackground() {
        AccessToken first = used(manager, "13807");
        advance(STALE);
        assertSame(first, manager.token("13807"), "stale token served at once");
        assertSame(first, manager.token("13807"));
        assertEquals(1, bank.requests.get(), "nobody waited for the bank");
        timer.runPending();
        assertEquals(2, bank.requests.get(), "exactly one background refresh");
        AccessToken second = manager.token("13807");
        assertNotSame(first, second);
        assertSame(second, manager.token("13807"));
        assertEquals(1, manager.states().get(0).backgroundRefreshes());
    }

    @Test
    void aCallerStillHoldingTheOldStaleTokenDoesNotStartASecondRefresh() throws Exception {
        // Regression: found by the refresh storm benchmark (docs/performance.md), replayed step by step here.
        TestClock pausing = new TestClock();
        ManualTimer t = new ManualTimer(pausing);
        FakeBank b = new FakeBank(pausing);
        TokenManager m = builder(pausing, t, b).build();
        used(m, "13807");
        pausing.advance(STALE);
        t.runDue();
        // The refresh the timer starts at the stale point fails, so callers check the clock again.
        b.answer = FakeBank::unavailable;
        t.runPending();
        b.answer = null;
        pausing.advance(Duration.ofSeconds(1));
        // Caller A reads the stale token and is held inside its clock read.
        Thread a = new Thread(() -> m.token("13807"), "caller-A");
        pausing.pause(a);
        a.start();
        assertTrue(pausing.awaitPaused());
        // Caller B starts the one background refresh, which completes.
        m.token("13807");
        t.runPending();
        assertEquals(3, b.requests.get());
        // A resumes with the token it read before the refresh: it must not start another one.
        pausing.resume();
        a.join(5_000);
        t.runPending();
        assertEquals(3, b.requests.get(), "one request per refresh");
    }

    @Test
    void aDroppedTokenIsNeverServedAndTheCallerWaitsForANewOne() {
        AccessToken first = used(manager, "13807");
        advance(DROP.minusNanos(1));
        assertSame(first, manager.token("13807"), "still valid one nanosecond before its drop point");
        timer.runPending(); // the refresh the timer started at the stale point
        AccessToken refreshed = manager.token("13807");
        assertNotSame(first, refreshed);
        manager.token("13807");

        // The refreshed token's own refresh fails, and nobody calls again before it is dropped.
        advance(STALE);
        bank.answer = FakeBank::unavailable;
        timer.runPending();
        bank.answer = null;
        advance(DROP.minus(STALE));
        int before = bank.requests.get();
        AccessToken third = manager.token("13807");
        assertNotSame(refreshed, third);
        assertEquals(before + 1, bank.requests.get(), "a blocking request, not a background one");
    }

    @Test
    void theTimerStartsTheRefreshAtTheStalePointAndCallersKeepTheFastPath() {
        AccessToken first = used(manager, "13807");
        advance(STALE);
        assertEquals(1, timer.pending(), "refresh handed to the I/O executor by the timer, before any caller");
        int reads = clock.reads();
        assertSame(first, manager.token("13807"));
        assertEquals(reads, clock.reads(), "no clock read: callers keep the fast path while it runs");
        timer.runPending();
        AccessToken second = manager.token("13807");
        assertNotSame(first, second);
        assertEquals(2, bank.requests.get());
        reads = clock.reads();
        assertSame(second, manager.token("13807"));
        assertEquals(reads, clock.reads());
    }

    @Test
    void aRefreshThatHasNotLandedByTheFastPathEndSendsCallersBackToTheClock() {
        AccessToken first = used(manager, "13807");
        bank.pending = CompletableFuture::new; // a bank that does not answer
        advance(STALE);
        timer.runPending();
        advance(FAST_END.minus(STALE).minusNanos(1));
        int reads = clock.reads();
        assertSame(first, manager.token("13807"));
        assertEquals(reads, clock.reads(), "fast path until half-way between the stale and the drop point");
        advance(Duration.ofNanos(1));
        assertSame(first, manager.token("13807"), "still valid, served after a clock check");
        assertTrue(clock.reads() > reads, "the fast-path end sent callers back to the clock");
        assertEquals(2, bank.requests.get(), "no second refresh while the first is in flight");
    }

    @Test
    void aRefreshThatCannotStartEndsTheFastPathAtOnce() {
        // One failure opens the bank's circuit for two hours.
        TokenManager m = builder().resilience(Resilience.NONE.withCircuit(1, Duration.ofHours(2))).build();
        AccessToken first = used(m, "13807");
        bank.answer = FakeBank::unavailable;
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807", "aisp"));
        bank.answer = null;
        advance(STALE);
        timer.runPending();
        assertEquals(2, bank.requests.get(), "circuit open: the stale point cannot start a refresh");
        int reads = clock.reads();
        assertSame(first, m.token("13807"));
        assertTrue(clock.reads() > reads, "callers check the clock, and retry once the circuit allows");
    }

    @Test
    void shortLifetimesKeepAStaleWindow() {
        bank.expiresIn = "5";
        AccessToken first = used(manager, "13807");
        // 5 s token: dropped at 4 s (margin capped at a fifth), stale 2 s before that (lead capped at half of 4 s).
        advance(Duration.ofMillis(1999));
        assertSame(first, manager.token("13807"));
        assertEquals(0, timer.pending());
        advance(Duration.ofMillis(1));
        assertSame(first, manager.token("13807"));
        assertEquals(1, timer.pending());
        timer.runPending();
        assertNotSame(first, manager.token("13807"), "refreshed before its drop point, nobody waited");
        assertEquals(2, bank.requests.get());
    }

    @Test
    void lifetimeCountsFromSendingNotFromReceipt() {
        bank.expiresIn = "100";
        bank.latency = Duration.ofSeconds(30);
        AccessToken first = manager.token("13807");
        // Dropped at sent + 100 s - 15 s margin = 85 s after sending; 30 s of that passed in the request.
        advance(Duration.ofSeconds(55).minusNanos(1));
        assertSame(first, manager.token("13807"));
        bank.latency = Duration.ZERO;
        timer.runPending();
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
    void aLaggingTimerNeverCausesADroppedTokenToBeServedWhileItLagsLessThanTheLead() {
        // The refresh the late stale task starts lands at once, so it is in time while the lag stays under the lead
        // (60 s between the stale and the drop point).
        assertNoDroppedTokenServed(Duration.ofSeconds(59), true, true);
        // The bound is real: a timer later than that lets a dropped token through (which is why 403 recovery exists).
        assertNoDroppedTokenServed(Duration.ofSeconds(65), true, false);
    }

    @Test
    void withABankThatNeverAnswersTheToleratedLagIsHalfTheLead() {
        // The refresh hangs, so only the fast-path end (half-way) sends callers back to the clock: the tolerated lag
        // is the 30 s between it and the drop point (TokenPolicy.toleratedTimerLag).
        assertEquals(Duration.ofSeconds(30), POLICY.toleratedTimerLag(Duration.ofHours(1)));
        assertNoDroppedTokenServed(Duration.ofSeconds(10), false, true);
        assertNoDroppedTokenServed(Duration.ofSeconds(29), false, true);
        assertNoDroppedTokenServed(Duration.ofSeconds(35), false, false);
    }

    private void assertNoDroppedTokenServed(Duration lag, boolean bankAnswers, boolean expectSafe) {
        TestClock c = new TestClock();
        ManualTimer lagging = new ManualTimer(c);
        AtomicInteger n = new AtomicInteger();
        Map<String, Long> dropAt = new ConcurrentHashMap<>();
        BankHttp http = (uri, form) -> {
            if (!bankAnswers && n.get() > 0) {
                return new CompletableFuture<>();
            }
            String value = "t" + n.incrementAndGet();
            dropAt.put(value, c.nanoTime() + DROP.toNanos());
            return CompletableFuture.completedFuture(FakeBank.ok(value, "3600", null));
        };
        // Callers that find no usable token give up at once rather than wait for a refresh that never runs.
        TokenManager m = builder(c, lagging, http).policy(POLICY.withWaitTimeout(Duration.ofNanos(1))).build();
        boolean servedDropped = false;
        for (int second = 0; second < 4 * 3600; second++) {
            try {
                AccessToken t = m.token("13807");
                servedDropped |= c.nanoTime() - dropAt.get(t.value()) >= 0;
            } catch (TokenWaitTimeoutException | io.psd2token.error.BankUnreachableException e) {
                assertFalse(bankAnswers, "a working bank keeps a token available");
            }
            c.advance(Duration.ofSeconds(1));
            // Timed tasks (stale point, fast-path end, drop point) run late; handed-over work runs at once.
            lagging.runDueLate(lag.toNanos());
            lagging.runPending();
        }
        assertEquals(!expectSafe, servedDropped, "lag " + lag);
    }

    @Test
    void absentExpiresInUsesTheDefaultLifetime() {
        bank.expiresIn = null;
        AccessToken first = used(manager, "13807");
        assertEquals(Duration.ofMinutes(10), first.lifetime());
        // 600 s: dropped at 585 s, stale 60 s before.
        advance(Duration.ofSeconds(525).minusNanos(1));
        assertSame(first, manager.token("13807"));
        assertEquals(0, timer.pending());
    }

    @Test
    void failedBackgroundRefreshKeepsServingTheValidTokenAndRetriesWithBackoff() {
        AccessToken first = used(manager, "13807");
        advance(STALE);
        bank.answer = FakeBank::unavailable;
        timer.runPending();
        assertEquals(2, bank.requests.get());
        assertSame(first, manager.token("13807"), "the failure does not drop the valid token");
        timer.runPending();
        assertEquals(2, bank.requests.get(), "no retry before the back-off (1 s)");
        advance(Duration.ofMillis(999));
        manager.token("13807");
        timer.runPending();
        assertEquals(2, bank.requests.get());
        advance(Duration.ofMillis(1));
        manager.token("13807");
        timer.runPending();
        assertEquals(3, bank.requests.get());
        advance(Duration.ofSeconds(1));
        manager.token("13807");
        timer.runPending();
        assertEquals(3, bank.requests.get(), "second failure: back-off doubled to 2 s");
        advance(Duration.ofSeconds(1));
        bank.answer = null;
        manager.token("13807");
        timer.runPending();
        AccessToken recovered = manager.token("13807");
        assertNotSame(first, recovered);
        assertEquals(4, bank.requests.get());
        assertEquals(2, manager.states().get(0).failures());
    }

    @Test
    void failedBlockingRequestIsReplayedDuringTheBackoffEachCallerWithItsOwnError() {
        bank.answer = () -> new HttpReply(503, "text/plain", "busy");
        var first = assertThrows(TokenRequestRejectedException.class, () -> manager.token("13807"));
        var again = assertThrows(TokenRequestRejectedException.class, () -> manager.token("13807"));
        assertNotSame(first, again, "each caller gets its own exception");
        assertSame(first.getCause(), again.getCause(), "both copies of the one failure");
        assertEquals(first.getMessage(), again.getMessage());
        assertEquals(1, bank.requests.get(), "within the back-off: no request");
        bank.answer = null;
        advance(Duration.ofSeconds(1));
        AccessToken t = manager.token("13807");
        assertEquals(2, bank.requests.get());
        assertSame(t, manager.token("13807"));
        assertEquals(1, manager.states().get(0).refusedCallers(), "the replayed failure is counted");
    }

    @Test
    void withoutBackoffTheNextCallerTriesAgainAtOnce() {
        TokenManager noBackoff = builder().policy(POLICY.withFailureBackoff(Duration.ZERO)).build();
        bank.answer = () -> new HttpReply(200, "application/json", "{\"access_token\":\"x\",\"token_type\":\"MAC\"}");
        assertThrows(UnsupportedTokenTypeException.class, () -> noBackoff.token("13807"));
        bank.answer = null;
        assertEquals("Bearer", noBackoff.token("13807").tokenType());
        assertEquals(2, bank.requests.get());
    }

    @Test
    void aFailureOfOneBankLeavesTheOthersAlone() {
        manager.token("17515");
        bank.answer = FakeBank::invalidClient;
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
    void asyncTokenCompletesAtOnceWhenCachedAndOnTheIoExecutorWhenNot() throws Exception {
        CompletableFuture<AccessToken> cold = manager.tokenAsync("13807").toCompletableFuture();
        assertFalse(cold.isDone(), "the request starts on the I/O executor, not on the caller");
        assertEquals(1, timer.runPending());
        AccessToken t = cold.get();
        CompletableFuture<AccessToken> warm = manager.tokenAsync("13807").toCompletableFuture();
        assertTrue(warm.isDone());
        assertSame(t, warm.get());
        assertEquals(1, bank.requests.get());
    }

    @Test
    void asyncTokenFailsWithTheTypedError() {
        bank.answer = FakeBank::invalidClient;
        CompletableFuture<AccessToken> f = manager.tokenAsync("13807").toCompletableFuture();
        timer.runPending();
        var e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof TokenRequestRejectedException, e.toString());
    }

    @Test
    void statesDescribeEverySlotWithoutTheToken() {
        AccessToken t = used(manager, "13807");
        advance(Duration.ofSeconds(100));
        List<TokenState> states = manager.states();
        assertEquals(1, states.size());
        TokenState s = states.get(0);
        assertEquals("13807", s.bank());
        assertEquals(TokenState.Phase.FRESH, s.phase());
        assertEquals(Duration.ofSeconds(100), s.age());
        assertEquals(Duration.ofSeconds(3485), s.expiresIn());
        assertFalse(s.toString().contains(t.value()));
        advance(STALE.minusSeconds(100));
        assertEquals(TokenState.Phase.STALE, manager.states().get(0).phase());
        advance(DROP.minus(STALE));
        assertEquals(TokenState.Phase.EXPIRED, manager.states().get(0).phase(), "refresh never ran: kept, expired");
    }

    @Test
    void anIdleTokenIsNotRefreshedAndItsSlotLeavesAtTheDropPoint() {
        List<String> removed = new CopyOnWriteArrayList<>();
        TokenManager m = builder().metrics(new TokenMetrics() {
            @Override
            public void slotRemoved(String bank, String scope) {
                removed.add(bank + " " + scope);
            }
        }).build();
        m.token("13807");
        advance(STALE);
        timer.runPending();
        assertEquals(1, bank.requests.get(), "nobody used it since it arrived: no refresh");
        advance(DROP.minus(STALE));
        timer.runPending();
        assertTrue(m.states().isEmpty(), "the idle slot left the registry");
        assertEquals(List.of("13807 pisp"), removed);
        AccessToken next = m.token("13807");
        assertEquals("tok-2", next.value(), "its next use fetches it as at cold start");
    }

    @Test
    void aTokenUsedOnlyAfterItsFastPathEndedIsRefreshedBehindTheCaller() {
        AccessToken first = manager.token("13807");
        advance(FAST_END);
        timer.runPending();
        assertSame(first, manager.token("13807"), "still valid: served, and its refresh starts behind the caller");
        timer.runPending();
        assertEquals(2, bank.requests.get());
        assertNotSame(first, manager.token("13807"));
    }

    @Test
    void aKeptWarmTokenIsFetchedAtOnceRefreshedUnusedAndRetriedWhileTheBankFails() {
        bank.answer = FakeBank::unavailable;
        manager.keepWarm(BPGO, null);
        timer.runPending();
        assertEquals(1, bank.requests.get(), "fetched in the background, not at the first call");
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofSeconds(31));
            timer.runPending();
        }
        assertTrue(bank.requests.get() >= 4, "retried with back-off while the bank fails: " + bank.requests.get());
        bank.answer = null;
        advance(Duration.ofSeconds(31));
        timer.runPending();
        int afterRecovery = bank.requests.get();
        AccessToken warm = manager.token("13807");
        assertEquals(afterRecovery, bank.requests.get(), "the first call finds the warm token");
        advance(STALE);
        timer.runPending();
        assertEquals(afterRecovery + 1, bank.requests.get(), "refreshed at its stale point, used or not");
        assertNotSame(warm, manager.token("13807"));
        advance(DROP);
        timer.runPending();
        assertFalse(manager.states().isEmpty(), "a warm slot never leaves");
        assertTrue(manager.states().get(0).keptWarm());
    }

    @Test
    void metricsSeeEverySlotRequestOutcomeHitAndRecovery() {
        List<String> events = new CopyOnWriteArrayList<>();
        Map<String, TokenMetrics.SlotCounters> slots = new ConcurrentHashMap<>();
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
        TokenManager m = builder().metrics(recording).build();
        AccessToken first = m.token("13807");
        m.token("13807");
        m.token("13807");
        TokenMetrics.SlotCounters counters = slots.get("13807 pisp");
        assertEquals(1, counters.requests());
        assertEquals(2, counters.hits());
        assertEquals(3585, Math.round(counters.tokenExpiresInSeconds()));
        assertTrue(m.invalidate(first));
        assertEquals(1, counters.invalidTokenRecoveries());
        bank.answer = FakeBank::invalidClient;
        assertThrows(TokenRequestRejectedException.class, () -> m.token("13807"));
        assertEquals(List.of("13807 success", "13807 TokenRequestRejectedException"), events);
        assertEquals(1, counters.failures());
        assertEquals(-1, counters.tokenAgeSeconds());
        assertEquals(0, counters.circuitOpen());
    }

    @Test
    void missingClientIdFailsWithTheKeyToSetAndSendsNothing() {
        TokenManager m = builder().clientId((String) null).build();
        var e = assertThrows(ConfigurationException.class, () -> m.token("13807"));
        assertTrue(e.getMessage().contains("psd2.client-id"));
        assertEquals(0, bank.requests.get());
    }

    @Test
    void malformedBankCodeFailsBeforeAnySlotOrRequest() {
        assertThrows(UnknownBankException.class, () -> manager.token("17515.evil.example"));
        assertThrows(UnknownBankException.class, () -> manager.token("../x", "pisp"));
        assertEquals(0, bank.requests.get());
        assertTrue(manager.states().isEmpty());
    }
}
