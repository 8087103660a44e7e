package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.psd2token.internal.cluster.InMemorySharedTokens;
import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.testbed.TestClock;
import io.psd2token.token.TokenClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A bank that revokes a client's previous token whenever it issues a new one, and two nodes taking turns to call
 * its API: without sharing, each node's new token invalidates the other's and every call but the first two is
 * rejected once (the ping-pong); with sharing, one token serves both nodes and nothing is rejected.
 */
class RevokingBankTwoNodeTest {

    private static final int PAYMENTS = 40;

    private final TestClock clock = TestClock.realTime();
    private final FakeBank bank = new FakeBank(clock);
    private final AtomicInteger rejected = new AtomicInteger();
    private final List<ExecutorService> executors = new ArrayList<>();

    @AfterEach
    void stop() {
        executors.forEach(ExecutorService::shutdownNow);
    }

    private TokenManager node(SharedTokens cluster, String name) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ExecutorService io = Executors.newFixedThreadPool(2);
        executors.add(timer);
        executors.add(io);
        return TokenManager.builder().banks(FakeBank::endpoints).clientId("PSDFR-ACPR-12345").http(bank)
                .jsonb(TokenManagerTest.JSONB).timer(TokenTimer.of(timer)).io(io).clock(clock)
                .policy(TokenManagerTest.POLICY).resilience(Resilience.NONE)
                .sharing(cluster, () -> TwoNodeSharingTest.A_QWAC, name, Duration.ofSeconds(1)).build();
    }

    /** The bank's API: only the token it issued last is valid. */
    private String pay(String token) {
        if (token.equals("tok-" + bank.requests.get())) {
            return "201";
        }
        rejected.incrementAndGet();
        return "403";
    }

    private void alternate(TokenManager a, TokenManager b) {
        for (int i = 0; i < PAYMENTS; i++) {
            TokenManager node = i % 2 == 0 ? a : b;
            assertEquals("201", node.withToken("13807", t -> pay(t.value()), "403"::equals), "payment " + i);
        }
    }

    @Test
    void withoutSharingTwoNodesInvalidateEachOtherAtEveryTurn() {
        alternate(node(SharedTokens.LOCAL, "a"), node(SharedTokens.LOCAL, "b"));
        System.out.println("revoking bank, 2 nodes, no sharing, " + PAYMENTS + " alternating payments: "
                + bank.requests.get() + " token requests, " + rejected.get() + " rejected API calls");
        assertEquals(PAYMENTS, bank.requests.get());
        assertEquals(PAYMENTS - 2, rejected.get());
    }

    @Test
    void withSharingOneTokenServesBothNodesAndNothingIsRejected() {
        InMemorySharedTokens cluster = new InMemorySharedTokens(TokenClock.system());
        alternate(node(cluster, "a"), node(cluster, "b"));
        System.out.println("revoking bank, 2 nodes, sharing, " + PAYMENTS + " alternating payments: "
                + bank.requests.get() + " token requests, " + rejected.get() + " rejected API calls");
        assertEquals(1, bank.requests.get());
        assertEquals(0, rejected.get());
    }
}
