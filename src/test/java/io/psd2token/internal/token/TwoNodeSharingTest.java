package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.internal.cluster.InMemorySharedTokens;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.testbed.ManualTimer;
import io.psd2token.testbed.TestClock;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two (or three) token managers — the "nodes" — sharing one in-memory cluster map, on one clock and one bank that
 * only the test moves. Each node has its own timer and I/O executor, run when the test says so, which lets a
 * test interleave the nodes step by step, or let one "die" by never running its work again.
 *
 * <p>With {@link TokenManagerTest#POLICY}, a 3600 s token turns stale at 3525 s and is dropped at 3585 s; the
 * lease lasts one attempt (12 s) plus slack (2 s).
 */
class TwoNodeSharingTest {

    static final String A_QWAC = "A".repeat(64);
    static final String B_QWAC = "B".repeat(64);
    private static final Duration LEASE = Duration.ofSeconds(14);

    private final TestClock clock = new TestClock();
    private final FakeBank bank = new FakeBank(clock);
    private final InMemorySharedTokens cluster = new InMemorySharedTokens(clock);
    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public synchronized void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    // The whole library's log, at its finest level: no token may appear in any line.
    private final Logger sharedLog = Logger.getLogger("io.psd2token");
    private Level previousLevel;

    /** One node: its own manager, timer and executor; the QWAC fingerprint it presents can change. */
    final class Node {
        final ManualTimer timer = new ManualTimer(clock);
        final AtomicReference<String> qwac = new AtomicReference<>(A_QWAC);
        final List<TokenMetrics.SlotCounters> counters = new ArrayList<>();
        final TokenManager manager;

        Node(String name, TokenClock nodeClock) {
            manager = TokenManagerTest.builder(nodeClock, timer, bank)
                    .sharing(cluster, qwac::get, name, Duration.ofSeconds(1))
                    .metrics(new TokenMetrics() {
                        @Override
                        public void slotCreated(String bk, String scope, SlotCounters c) {
                            counters.add(c);
                        }
                    })
                    .build();
        }

        /** The bank's token, asked as an application would, with this node's executor run until it is there. */
        AccessToken token() {
            CompletionStage<AccessToken> stage = manager.tokenAsync("13807");
            for (int i = 0; i < 100 && !stage.toCompletableFuture().isDone(); i++) {
                timer.runPending();
                if (!stage.toCompletableFuture().isDone()) {
                    clock.advance(Duration.ofMillis(100));
                    timer.runDue();
                }
            }
            timer.runPending();
            return stage.toCompletableFuture().join();
        }

        /** Runs {@code call} on a thread of its own — it may block — while this node's executor runs. */
        <T> T blocking(java.util.function.Supplier<T> call) {
            CompletableFuture<T> result = CompletableFuture.supplyAsync(call);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!result.isDone() && System.nanoTime() < until) {
                timer.runPending();
                Thread.onSpinWait();
            }
            return result.join();
        }

        /** Lets this node's timer catch up with the clock and run what it handed over. */
        void catchUp() {
            timer.runDue();
            timer.runPending();
        }

        long installs() {
            return counters.stream().mapToLong(TokenMetrics.SlotCounters::sharedInstalls).sum();
        }
    }

    @BeforeEach
    void captureLog() {
        previousLevel = sharedLog.getLevel();
        sharedLog.setLevel(Level.ALL);
        sharedLog.addHandler(capture);
    }

    @AfterEach
    void checkLog() {
        sharedLog.removeHandler(capture);
        sharedLog.setLevel(previousLevel);
        for (LogRecord r : logged) {
            String text = String.valueOf(r.getMessage()) + " " + java.util.Arrays.toString(r.getParameters())
                    + (r.getThrown() == null ? "" : " " + r.getThrown());
            assertFalse(text.matches("(?s).*tok-[0-9].*"), "a token in the log: " + text);
        }
    }

    private Node node(String name) {
        return new Node(name, clock);
    }

    /** Moves the clock and lets every node catch up. */
    private void advance(Duration d, Node... nodes) {
        clock.advance(d);
        for (Node n : nodes) {
            n.catchUp();
        }
    }

    /** Each node gets the token and takes it once more from its cache, which marks it as in use. */
    private static void use(Node... nodes) {
        for (Node n : nodes) {
            n.token();
            n.token();
        }
    }

    private long warnings() {
        return logged.stream().filter(r -> r.getLevel() == Level.WARNING
                && SharedSlots.class.getName().equals(r.getLoggerName())).count();
    }

    private String sharedToken() {
        String text = cluster.get(SharedEntry.tokenKey(TokenManagerTest.BPGO, Scope.PISP));
        return text == null ? null : SharedEntry.parse(text).token();
    }

    @Test
    void whenTwoNodesNeedTheSameTokenThenOneRequestIsSent() {
        Node a = node("a");
        Node b = node("b");
        AccessToken onA = a.token();
        AccessToken onB = b.token();
        assertEquals("tok-1", onA.value());
        assertEquals(onA, onB, "the same token, with the same expiry, on both nodes");
        assertEquals(1, bank.requests.get());
        assertEquals(1, b.installs());
        assertEquals("tok-1", sharedToken());
        assertTrue(cluster.snapshot().keySet().stream().noneMatch(k -> k.startsWith("lease/")), "lease given back");
    }

    @Test
    void aJoiningNodeServesTheSharedTokenWithoutARequestAndWithTheSameDeadlines() {
        Node a = node("a");
        AccessToken first = a.token();
        advance(Duration.ofMinutes(30), a);
        Node c = node("c");
        AccessToken joined = c.token();
        assertEquals(first, joined);
        assertEquals(1, bank.requests.get());
        // Its deadlines come from the shared wall-clock times: the same stale point as on the node that asked.
        c.token();
        a.token();
        advance(Duration.ofSeconds(3525 - 1800 - 1), a, c);
        assertEquals(1, bank.requests.get(), "not stale yet on either node");
        advance(Duration.ofSeconds(1), a, c);
        assertEquals(2, bank.requests.get(), "one refresh at the stale point, for both nodes");
        advance(Duration.ofMillis(200), a, c);
        assertEquals("tok-2", a.token().value());
        assertEquals("tok-2", c.token().value());
        assertEquals(2, bank.requests.get());
    }

    @Test
    void whenBothNodesReachTheStalePointThenOneRefreshServesBoth() {
        Node a = node("a");
        Node b = node("b");
        use(a, b);
        CompletableFuture<HttpReply> answer = new CompletableFuture<>();
        bank.pending = () -> answer;
        clock.advance(TokenManagerTest.STALE);
        a.catchUp();
        b.catchUp();
        assertEquals(2, bank.requests.get(), "only the lease holder asked");
        assertEquals("tok-1", b.token().value(), "the stale token is served meanwhile");
        answer.complete(FakeBank.ok("tok-2", "3600", null));
        a.catchUp();
        advance(SharedSlots.POLL, a, b);
        assertEquals("tok-2", a.token().value());
        assertEquals("tok-2", b.token().value());
        assertEquals(2, bank.requests.get());
        assertEquals(2, b.installs(), "the first token and its successor, both from the cluster");
    }

    @Test
    void whenTheLeaseHolderDiesMidRequestThenTheOtherNodeTakesOverBeforeTheDropPointAndNoCallerFails() {
        Node a = node("a");
        Node b = node("b");
        use(a, b);
        bank.pending = CompletableFuture::new; // a's refresh never comes back: a dies with the lease
        clock.advance(TokenManagerTest.STALE);
        a.catchUp();
        assertEquals(2, bank.requests.get());
        bank.pending = null;
        b.catchUp();
        assertEquals(2, bank.requests.get(), "b waits for a's lease");
        // a is dead from here on: its timer and executor never run again.
        Duration waited = Duration.ZERO;
        while (bank.requests.get() == 2 && waited.compareTo(Duration.ofSeconds(30)) < 0) {
            assertEquals("tok-1", b.token().value(), "b keeps serving the valid token while it waits");
            advance(Duration.ofMillis(500), b);
            waited = waited.plusMillis(500);
        }
        assertEquals(3, bank.requests.get(), "b took over once the lease ran out");
        assertTrue(waited.compareTo(LEASE.plusSeconds(1)) <= 0, "within the lease: " + waited);
        assertTrue(TokenManagerTest.STALE.plus(waited).compareTo(TokenManagerTest.DROP) < 0, "before the drop point");
        assertEquals("tok-3", b.token().value());
        assertEquals("tok-3", sharedToken());
    }

    @Test
    void whenTheLeaseHolderDiesWhileCallersWaitThenTheyGetATokenWithinTheLeaseNotAnError() {
        Node a = node("a");
        Node b = node("b");
        bank.pending = CompletableFuture::new;
        a.manager.tokenAsync("13807");
        a.timer.runPending();
        bank.pending = null;
        CompletionStage<AccessToken> waiting = b.manager.tokenAsync("13807");
        b.timer.runPending();
        assertFalse(waiting.toCompletableFuture().isDone());
        advance(LEASE.plus(SharedSlots.POLL), b);
        assertTrue(waiting.toCompletableFuture().isDone(), "b asked the bank itself once the lease ran out");
        assertEquals("tok-2", waiting.toCompletableFuture().join().value());
        assertEquals(2, bank.requests.get());
    }

    @Test
    void whenNodeAGetsInvalidTokenThenOneNewRequestAndNodeBUsesTheNewToken() {
        Node a = node("a");
        Node b = node("b");
        AccessToken old = a.token();
        use(a, b);
        assertTrue(a.manager.invalidate(old));
        a.timer.runPending();
        assertNull(sharedToken(), "exactly that entry left the cluster");
        assertEquals("tok-2", a.token().value());
        assertEquals(2, bank.requests.get());
        advance(Duration.ofSeconds(1), a, b);
        assertEquals("tok-2", b.token().value(), "b took the new token at its next comparison");
        assertEquals(2, bank.requests.get());
    }

    @Test
    void whenANodeGetsInvalidTokenForATokenTheClusterAlreadyReplacedThenItInstallsTheNewOneWithoutARequest() {
        Node a = node("a");
        Node b = node("b");
        AccessToken old = a.token();
        a.token();
        AccessToken onB = b.token();
        b.token();
        a.manager.invalidate(old);
        a.timer.runPending();
        a.token();
        assertEquals(2, bank.requests.get());
        // b calls the bank with tok-1 before its next comparison, and is told it is invalid.
        AccessToken resend = b.blocking(() -> b.manager.withToken("13807", t -> t, t -> t.value().equals("tok-1")));
        assertEquals("tok-2", resend.value());
        assertEquals(onB, old);
        assertEquals(2, bank.requests.get(), "b installed the cluster's token, no request");
        assertEquals("tok-2", sharedToken(), "b's 403 did not evict the newer token");
    }

    @Test
    void whenBothNodesGetInvalidTokenAtOnceThenExactlyOneNewRequest() {
        Node a = node("a");
        Node b = node("b");
        AccessToken onA = a.token();
        AccessToken onB = b.token();
        CompletableFuture<HttpReply> answer = new CompletableFuture<>();
        bank.pending = () -> answer;
        a.manager.invalidate(onA);
        b.manager.invalidate(onB);
        CompletionStage<AccessToken> recoverA = a.manager.tokenAsync("13807");
        CompletionStage<AccessToken> recoverB = b.manager.tokenAsync("13807");
        a.timer.runPending();
        b.timer.runPending();
        answer.complete(FakeBank.ok("tok-2", "3600", null));
        a.timer.runPending();
        advance(SharedSlots.POLL, a, b);
        assertEquals("tok-2", recoverA.toCompletableFuture().join().value());
        assertEquals("tok-2", recoverB.toCompletableFuture().join().value());
        assertEquals(2, bank.requests.get());
    }

    @Test
    void whenTheQwacRotatesOnOneNodeThenTheOldCertificatesTokensLeaveTheClusterAndAreNeverInstalled() {
        Node a = node("a");
        Node b = node("b");
        AccessToken old = a.token();
        use(a, b);
        // Both servers got the new QWAC; a notices first.
        a.qwac.set(B_QWAC);
        a.manager.invalidateAll(A_QWAC);
        a.timer.runPending();
        assertNull(sharedToken(), "the old certificate's token left the cluster");
        advance(Duration.ofSeconds(1), a, b);
        b.qwac.set(B_QWAC);
        AccessToken onB = b.token();
        assertNotEquals(old.value(), onB.value(), "b dropped the old certificate's token at its comparison");
        assertEquals(onB, a.token(), "a took b's token: same certificate");
        assertEquals(2, bank.requests.get());
        b.manager.invalidateAll(A_QWAC);
        b.timer.runPending();
        assertEquals(onB.value(), sharedToken(), "b's own rotation leaves the new certificate's token alone");
    }

    @Test
    void aNodeWithAnotherQwacNeverInstallsTheClusterTokenAndDoesNotOverwriteIt() {
        Node a = node("a");
        Node b = node("b");
        b.qwac.set(B_QWAC);
        AccessToken onA = a.token();
        AccessToken onB = b.token();
        assertNotEquals(onA.value(), onB.value());
        assertEquals(2, bank.requests.get());
        assertEquals(onA.value(), sharedToken(), "b kept its token to itself");
        b.token();
        assertEquals(1, warnings(), "said once: " + logged.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void entriesThatAreGarbledMisplacedOrAbsurdAreIgnoredLoggedOnceAndReplaced() {
        String key = SharedEntry.tokenKey(TokenManagerTest.BPGO, Scope.PISP);
        Instant now = clock.now();
        AccessToken foreignBank = new AccessToken(Bkcode.of("17515"), "stolen", "Bearer", Scope.PISP,
                Duration.ofHours(1), now.plus(Duration.ofHours(1)));
        List<String> poison = List.of(
                "garbage",
                // A token that would inject a header line into every API call.
                SharedEntry.VERSION + "\n13807\npisp\npisp\nBearer\n" + A_QWAC + "\n" + now.toEpochMilli() + "\n"
                        + now.plusSeconds(3600).toEpochMilli() + "\nabc\r\nX-Evil: 1",
                SharedEntry.of(foreignBank, A_QWAC).encode(),
                // Issued an hour in the future: a wrong clock somewhere.
                new SharedEntry(TokenManagerTest.BPGO, Scope.PISP, Scope.PISP, "Bearer", A_QWAC,
                        now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(2)), "future").encode(),
                // A week long: more than the maximum lifetime.
                new SharedEntry(TokenManagerTest.BPGO, Scope.PISP, Scope.PISP, "Bearer", A_QWAC, now,
                        now.plus(Duration.ofDays(7)), "forever").encode());
        int requests = 0;
        for (String bad : poison) {
            Node n = node("n" + requests);
            cluster.rawPut(key, bad, Duration.ofHours(1));
            AccessToken got = n.token();
            requests++;
            assertEquals("tok-" + requests, got.value(), "a node ignores: " + bad.split("\n")[0]);
            assertEquals(requests, bank.requests.get());
            assertEquals(got.value(), sharedToken(), "the bad entry was replaced by the node's own");
        }
        assertEquals(poison.size(), warnings(), "one clear line per node that met a bad entry: "
                + logged.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void anExpiredEntryIsAbsentAndARepeatedBadEntryIsLoggedOnce() {
        String key = SharedEntry.tokenKey(TokenManagerTest.BPGO, Scope.PISP);
        Instant now = clock.now();
        cluster.rawPut(key, new SharedEntry(TokenManagerTest.BPGO, Scope.PISP, Scope.PISP, "Bearer", A_QWAC,
                now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)), "old").encode(), Duration.ofHours(1));
        Node a = node("a");
        assertEquals("tok-1", a.token().value());
        assertEquals(0, warnings());
        for (int i = 0; i < 3; i++) {
            a.manager.invalidate(TokenManagerTest.BPGO);
            cluster.rawPut(key, "garbage", Duration.ofHours(1));
            a.token();
        }
        assertEquals(1, warnings());
    }

    @Test
    void whenTheClusterDoesNotAnswerTheNodeFetchesItsOwnTokenAndSaysSoOncePerOutage() {
        Node a = node("a");
        cluster.fail(true);
        assertEquals("tok-1", a.token().value());
        a.manager.invalidate(TokenManagerTest.BPGO);
        assertEquals("tok-2", a.token().value());
        assertEquals(1, warnings());
        cluster.fail(false);
        a.manager.invalidate(TokenManagerTest.BPGO);
        assertEquals("tok-3", a.token().value());
        assertEquals("tok-3", sharedToken(), "shared again once the cluster answers");
        assertTrue(logged.stream().anyMatch(r -> r.getLevel() == Level.INFO && r.getMessage().contains("again")));
    }

    @Test
    void invalidatingABankOnOneNodeDropsItsTokensInTheWholeCluster() {
        Node a = node("a");
        Node b = node("b");
        a.token();
        b.token();
        b.token();
        a.manager.invalidate(TokenManagerTest.BPGO);
        assertNull(sharedToken());
        advance(Duration.ofSeconds(1), a, b);
        assertEquals("tok-2", b.token().value(), "b dropped it at its next comparison");
        assertEquals("tok-2", a.token().value());
        assertEquals(2, bank.requests.get());
    }

    @Test
    void aTokenTheNodeDoesNotUseIsNotFollowedAndLapses() {
        Node a = node("a");
        Node b = node("b");
        a.token();
        a.token();
        b.token(); // installed, never used from the cache afterwards
        int writes = cluster.writes.get();
        advance(Duration.ofSeconds(5), a, b);
        assertEquals(writes, cluster.writes.get(), "comparisons only read");
        advance(TokenManagerTest.STALE, a, b);
        advance(Duration.ofSeconds(1), a, b);
        assertEquals(2, bank.requests.get(), "a refreshed; b did not ask for its idle token");
    }

    @Test
    void clocksThatDifferByLessThanTheMarginKeepOneRequestPerLifetime() {
        Node a = node("a");
        TokenClock ahead = new TokenClock() {
            @Override
            public long nanoTime() {
                return clock.nanoTime() + 123_456_789_000L;
            }

            @Override
            public Instant now() {
                return clock.now().plusSeconds(5);
            }
        };
        Node b = new Node("b", ahead);
        a.token();
        a.token();
        AccessToken onB = b.token();
        b.token();
        assertEquals("tok-1", onB.value());
        advance(TokenManagerTest.STALE.minusSeconds(5), a, b);
        assertEquals(2, bank.requests.get(), "b, 5 s ahead, refreshed for both");
        advance(SharedSlots.POLL, a, b);
        advance(Duration.ofSeconds(5), a, b);
        assertEquals("tok-2", a.token().value());
        assertEquals(2, bank.requests.get());
    }
}
