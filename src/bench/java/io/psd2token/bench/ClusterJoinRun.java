package io.psd2token.bench;

import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import io.psd2token.token.TokenMetrics;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How long a node that joins a cluster takes to serve its first token (docs/performance.md, "A cluster of nodes"):
 * a new manager whose cluster map already holds the token, against a new manager that must request it. Both are
 * built before the clock starts, as a deployment builds its manager before the first call; the clock covers the
 * first {@code token(bkcode)} only. The endpoint is plain HTTP on the loopback: the cold figure here is a floor (no
 * TLS handshake, no network); P4 measures the cold call over mutual TLS.
 *
 * <p>On a WildFly node the cluster's map is a replicated Infinispan cache, whose reads are local like this map's.
 *
 * <p>Run: {@code java -Dsun.net.httpserver.nodelay=true -cp target/bench/benchmarks.jar
 * io.psd2token.bench.ClusterJoinRun}. Prints a Markdown table.
 */
public final class ClusterJoinRun {

    static final int WARMUP = 50;
    static final int SHOTS = 200;

    private ClusterJoinRun() {
    }

    public static void main(String[] args) throws Exception {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> daemon(r, "token-timer"));
        ExecutorService io = Executors.newCachedThreadPool(r -> daemon(r, "token-io"));
        try (FakeTokenEndpoint endpoint = FakeTokenEndpoint.start(0, 3600)) {
            SharedTokens cluster = new MapSharedTokens();
            // The first node: requests the token and publishes it.
            TokenManager first = node(endpoint, "first", cluster, timer, io);
            first.token(Contenders.BKCODE);
            while (cluster.entries("token/").isEmpty()) { // published just after the answer, off the caller's thread
                Thread.sleep(1);
            }
            long[] joining = new long[SHOTS];
            long[] cold = new long[SHOTS];
            for (int i = -WARMUP; i < SHOTS; i++) {
                // Alternating shot by shot, so that whatever the machine does falls on both alike.
                TokenManager joiner = node(endpoint, "joining", cluster, timer, io);
                long t0 = System.nanoTime();
                joiner.token(Contenders.BKCODE);
                long joined = System.nanoTime() - t0;
                TokenManager alone = node(endpoint, "cold", SharedTokens.LOCAL, timer, io);
                t0 = System.nanoTime();
                alone.token(Contenders.BKCODE);
                long requested = System.nanoTime() - t0;
                if (i >= 0) {
                    joining[i] = joined;
                    cold[i] = requested;
                }
            }
            if (endpoint.requests("joining") != 0) {
                throw new IllegalStateException("a joining node sent " + endpoint.requests("joining")
                        + " token requests; it must send none");
            }
            System.out.println("| first token of a new node | median (µs) | p90 (µs) | max (µs) | token requests |");
            System.out.println("|---|---:|---:|---:|---:|");
            row("joining a cluster that holds the token", joining, endpoint.requests("joining"));
            row("alone, requested (plain HTTP on the loopback)", cold, endpoint.requests("cold"));
            System.out.println();
            System.out.println(SHOTS + " shots each after " + WARMUP + " of warm-up, alternating.");
        } finally {
            timer.shutdownNow();
            io.shutdownNow();
        }
    }

    private static TokenManager node(FakeTokenEndpoint endpoint, String path, SharedTokens cluster,
            ScheduledExecutorService timer, ExecutorService io) {
        return Contenders.ours(endpoint, TokenPolicy.DEFAULT, path, TokenMetrics.NONE, cluster, timer, io);
    }

    private static void row(String what, long[] nanos, long requests) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("| %s | %,.0f | %,.0f | %,.0f | %d |%n", what, sorted[sorted.length / 2] / 1e3,
                sorted[(int) (sorted.length * 0.9)] / 1e3, sorted[sorted.length - 1] / 1e3, requests);
    }

    private static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }
}
