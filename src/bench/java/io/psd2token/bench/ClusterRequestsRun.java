package io.psd2token.bench;

import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import io.psd2token.token.TokenMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Token requests against the number of nodes (docs/performance.md, "A cluster of nodes"): 1, 2 and 3 "nodes" —
 * instances of each contender in one JVM, each with its own caller thread asking for the token every 20 ms — for
 * {@link #RUN} with tokens of {@link #LIFETIME}, all contenders side by side on one endpoint. psd2-token runs twice:
 * sharing through one cluster map (as with {@code psd2.cluster.cache}) and without. Spring Security and
 * google-auth have no shared cache: each instance keeps its own token.
 *
 * <p>Run: {@code java -cp target/bench/benchmarks.jar io.psd2token.bench.ClusterRequestsRun}. Prints a Markdown table.
 */
public final class ClusterRequestsRun {

    static final Duration LIFETIME = Duration.ofSeconds(4);
    static final Duration RUN = Duration.ofSeconds(20);
    /** Our refresh lead for a 4 s token (half of what is left after the 0.8 s margin); the peers get the same. */
    static final Duration LEAD = Duration.ofMillis(1600);

    private ClusterRequestsRun() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("| nodes | psd2-token, shared | psd2-token, each node alone | Spring Security | google-auth |");
        System.out.println("|---:|---:|---:|---:|---:|");
        for (int nodes = 1; nodes <= 3; nodes++) {
            try (FakeTokenEndpoint endpoint = FakeTokenEndpoint.start(0, LIFETIME.toSeconds())) {
                List<Supplier<String>> callers = new ArrayList<>();
                SharedTokens cluster = new MapSharedTokens();
                for (int n = 0; n < nodes; n++) {
                    TokenManager shared = Contenders.ours(endpoint, TokenPolicy.DEFAULT, "ours-shared",
                            TokenMetrics.NONE, cluster);
                    TokenManager alone = Contenders.ours(endpoint, TokenPolicy.DEFAULT, "ours-alone",
                            TokenMetrics.NONE, SharedTokens.LOCAL);
                    Contenders.Spring spring = Contenders.spring(endpoint, LEAD);
                    GoogleClientCredentials google = Contenders.google(endpoint, LEAD, LEAD.dividedBy(2));
                    callers.add(() -> shared.token(Contenders.BKCODE).value());
                    callers.add(() -> alone.token(Contenders.BKCODE).value());
                    callers.add(spring::token);
                    callers.add(() -> {
                        try {
                            return google.getRequestMetadata().toString();
                        } catch (java.io.IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                List<Thread> threads = new ArrayList<>();
                long until = System.nanoTime() + RUN.toNanos();
                for (Supplier<String> caller : callers) {
                    Thread t = new Thread(() -> {
                        while (System.nanoTime() < until) {
                            caller.get();
                            sleep(20);
                        }
                    });
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) {
                    t.join(RUN.toMillis() + TimeUnit.SECONDS.toMillis(30));
                }
                System.out.println("| " + nodes + " | " + endpoint.requests("ours-shared") + " | "
                        + endpoint.requests("ours-alone") + " | " + endpoint.requests("spring") + " | "
                        + endpoint.requests("google") + " |");
            }
        }
        System.out.println();
        System.out.println("Token requests in " + RUN.toSeconds() + " s, tokens of " + LIFETIME.toSeconds()
                + " s refreshed " + LEAD.toMillis() + " ms before their drop point, a caller per node every 20 ms.");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
