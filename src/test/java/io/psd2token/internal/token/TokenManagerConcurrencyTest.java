package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BlockingHttp;
import io.psd2token.testbed.ManualTimer;
import io.psd2token.testbed.TestClock;
import io.psd2token.token.AccessToken;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storms of concurrent callers against the bank simulator over real mutual TLS: one token request per
 * (bank, scope), whatever the load, at a cold start and at expiry.
 */
class TokenManagerConcurrencyTest {

    private static final int CALLERS = 1000;
    private static final int ROUNDS = 5;

    @TempDir
    static Path dir;
    static TestPki pki;
    static BankSimulator simulator;
    static SSLContext qwac;
    static ScheduledExecutorService executor;

    @BeforeAll
    static void start() {
        pki = TestPki.generate(dir);
        simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        qwac = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
        executor = Executors.newScheduledThreadPool(2);
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
        simulator.close();
    }

    /** A manager on real threads: the deadlines on a timer thread, requests and answers on a pool. */
    private TokenManager manager(TestClock clock) {
        return manager(clock, TokenTimer.of(executor));
    }

    private TokenManager manager(TestClock clock, TokenTimer timer) {
        return TokenManager.builder().banks(b -> new BankEndpoints(b, simulator.tokenEndpoint(b.value()),
                simulator.baseUri(), Scope.PISP)).clientId(pki.clientId())
                .http(BlockingHttp.jdk(qwac, Duration.ofSeconds(5), Duration.ofSeconds(20))).jsonb(TokenManagerTest.JSONB)
                .timer(timer).io(executor).clock(clock).policy(TokenManagerTest.POLICY).resilience(Resilience.NONE)
                .build();
    }

    @Test
    void thousandCallersAtColdStartSendOneRequest() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            simulator.reset();
            TokenManager m = manager(new TestClock());
            Set<AccessToken> seen = storm(CALLERS, i -> m.token("13807"));
            assertEquals(1, seen.size(), "round " + round);
            assertEquals(1, simulator.tokenRequests("13807"), "round " + round);
        }
    }

    @Test
    void thousandCallersAtTheDropPointSendOneRequest() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            StalePoint at = stalePoint();
            TokenManager m = at.manager();
            // The refresh the timer starts at the stale point fails, and nobody calls in the stale window to retry
            // it: at the drop point every caller must wait for a new token.
            simulator.setFault("13807", BankSimulator.Fault.INTERNAL_SERVER_ERROR, 1);
            at.timer().runDue();
            awaitTrue(() -> m.states().get(0).failures() == 1, "the background refresh failed, round " + round);
            at.clock().advance(TokenManagerTest.DROP.minus(TokenManagerTest.STALE));
            at.timer().runDue();
            int before = simulator.tokenRequests("13807");
            Set<AccessToken> seen = storm(CALLERS, i -> m.token("13807"));
            assertEquals(1, seen.size(), "round " + round);
            assertEquals(before + 1, simulator.tokenRequests("13807"), "round " + round);
            assertSame(seen.iterator().next(), m.token("13807"));
            assertEquals(false, seen.contains(at.first()));
        }
    }

    @Test
    void thousandCallersAcrossTheStalePointSendOneRefresh() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            StalePoint at = stalePoint();
            TokenManager m = at.manager();
            AccessToken first = at.first();
            // One caller plays the timer (the stale task, which hands the refresh to the pool) amid the others.
            Set<AccessToken> seen = storm(CALLERS, i -> {
                if (i == CALLERS / 2) {
                    at.timer().runDue();
                }
                return m.token("13807");
            });
            awaitTrue(() -> m.token("13807") != first, "the refresh lands, round " + round);
            AccessToken second = m.token("13807");
            assertTrue(Set.of(first, second).containsAll(seen), "every caller got a valid token, round " + round);
            assertEquals(2, simulator.tokenRequests("13807"), "one refresh, round " + round);
        }
    }

    @Test
    void twoBanksTimesTwoScopesSendFourRequests() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            simulator.reset();
            TokenManager m = manager(new TestClock());
            String[] banks = {"13807", "17515"};
            String[] scopes = {"pisp", "aisp pisp"};
            Set<AccessToken> seen = storm(CALLERS, i -> m.token(banks[i % 2], scopes[(i / 2) % 2]));
            assertEquals(4, seen.size(), "round " + round);
            assertEquals(2, simulator.tokenRequests("13807"), "round " + round);
            assertEquals(2, simulator.tokenRequests("17515"), "round " + round);
        }
    }

    /** A manager whose first token (from a fresh simulator), in use, has just reached its stale point. */
    private record StalePoint(TokenManager manager, TestClock clock, ManualTimer timer, AccessToken first) {
    }

    private StalePoint stalePoint() {
        simulator.reset();
        TestClock clock = new TestClock();
        ManualTimer timer = new ManualTimer(clock);
        TokenManager m = manager(clock, timer);
        AccessToken first = m.token("13807");
        m.token("13807");
        clock.advance(TokenManagerTest.STALE);
        return new StalePoint(m, clock, timer, first);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    private interface Call {
        AccessToken run(int i) throws Exception;
    }

    /** Starts {@code n} threads, releases them at once, and collects the distinct tokens they got. */
    private static Set<AccessToken> storm(int n, Call call) throws Exception {
        Set<AccessToken> seen = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    seen.add(call.run(index));
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        ready.await();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError(errors.size() + " callers failed", errors.get(0));
        }
        return seen;
    }

    static Bkcode bank(String code) {
        return Bkcode.of(code);
    }
}
