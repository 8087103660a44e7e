package io.psd2token.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.http.JdkBankHttp;
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

    private TokenManager manager(FakeClock clock) {
        return manager(clock, TokenScheduler.of(executor));
    }

    private TokenManager manager(FakeClock clock, TokenScheduler scheduler) {
        return new TokenManager(b -> new BankEndpoints(b, simulator.tokenEndpoint(b.value()),
                simulator.baseUri(), Scope.PISP), pki.clientId(),
                new JdkBankHttp(uri -> qwac, Duration.ofSeconds(5), Duration.ofSeconds(20)), clock,
                TokenManagerTest.POLICY, TokenManagerTest.JSONB, scheduler);
    }

    @Test
    void thousandCallersAtColdStartSendOneRequest() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            simulator.reset();
            TokenManager m = manager(new FakeClock());
            Set<AccessToken> seen = storm(CALLERS, i -> m.token("13807"));
            assertEquals(1, seen.size(), "round " + round);
            assertEquals(1, simulator.tokenRequests("13807"), "round " + round);
        }
    }

    @Test
    void thousandCallersAtExpirySendOneRequest() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            StalePoint at = stalePoint();
            TokenManager m = at.manager();
            FakeClock clock = at.clock();
            FakeScheduler scheduler = at.scheduler();
            AccessToken first = at.first();
            // The refresh the scheduler starts at the stale point fails, and nobody calls in the stale window
            // to retry it: at expiry every caller must wait for a new token.
            scheduler.runDue();
            simulator.setFault("13807", BankSimulator.Fault.INTERNAL_SERVER_ERROR, 1);
            assertEquals(1, scheduler.runPending(), "round " + round);
            clock.advance(Duration.ofSeconds(45));
            scheduler.runDue();
            int before = simulator.tokenRequests("13807");
            Set<AccessToken> seen = storm(CALLERS, i -> m.token("13807"));
            assertEquals(1, seen.size(), "round " + round);
            assertEquals(before + 1, simulator.tokenRequests("13807"), "round " + round);
            assertSame(seen.iterator().next(), m.token("13807"));
            assertEquals(false, seen.contains(first));
        }
    }

    @Test
    void thousandCallersAcrossTheStalePointSendOneRefresh() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            StalePoint at = stalePoint();
            TokenManager m = at.manager();
            FakeScheduler scheduler = at.scheduler();
            AccessToken first = at.first();
            // One caller plays the scheduler (the stale task, then the refresh it starts) amid the others.
            Set<AccessToken> seen = storm(CALLERS, i -> {
                if (i == CALLERS / 2) {
                    scheduler.runDue();
                    scheduler.runPending();
                }
                return m.token("13807");
            });
            AccessToken second = m.token("13807");
            assertNotSame(first, second, "round " + round);
            assertTrue(Set.of(first, second).containsAll(seen), "every caller got a valid token, round " + round);
            assertEquals(2, simulator.tokenRequests("13807"), "one refresh, round " + round);
        }
    }

    @Test
    void twoBanksTimesTwoScopesSendFourRequests() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            simulator.reset();
            TokenManager m = manager(new FakeClock());
            String[] banks = {"13807", "17515"};
            String[] scopes = {"pisp", "aisp pisp"};
            Set<AccessToken> seen = storm(CALLERS, i -> m.token(banks[i % 2], scopes[(i / 2) % 2]));
            assertEquals(4, seen.size(), "round " + round);
            assertEquals(2, simulator.tokenRequests("13807"), "round " + round);
            assertEquals(2, simulator.tokenRequests("17515"), "round " + round);
        }
    }

    /** A manager whose first token (from a fresh simulator) has just reached its stale point. */
    private record StalePoint(TokenManager manager, FakeClock clock, FakeScheduler scheduler, AccessToken first) {
    }

    private StalePoint stalePoint() {
        simulator.reset();
        FakeClock clock = new FakeClock();
        FakeScheduler scheduler = new FakeScheduler(clock);
        TokenManager m = manager(clock, scheduler);
        AccessToken first = m.token("13807");
        clock.advance(Duration.ofSeconds(3540));
        return new StalePoint(m, clock, scheduler, first);
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
