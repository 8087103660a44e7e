package io.psd2token.bench;

import io.psd2token.internal.token.TokenManager;
import io.psd2token.token.TokenMetrics;
import io.psd2token.internal.token.TokenPolicy;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1 of docs/performance.md: the cost of getting a cached token, ours against Spring Security and google-auth, with
 * two lower bounds, all in one state so that every contender runs in the same forks with the same flags.
 *
 * <p>The state is shared ({@link Scope#Benchmark}): with two threads both hit the same cache, as two request
 * threads of one application do. Every contender fetches its one token in {@link #setUp()}, and
 * {@link #tearDown()} fails the trial if any of them fetched again (pitfall 4), so no number
 * below can silently contain a token request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class HotPathBenchmark {

    /** A token lives an hour: no refresh can start during a trial. */
    private static final long EXPIRES_IN_SECONDS = 3600;

    private FakeTokenEndpoint endpoint;
    private TokenManager ours;
    private TokenManager oursCountingHits;
    private TokenManager oursClustered;
    private Contenders.Spring spring;
    private GoogleClientCredentials google;
    private URI apiUri;

    // Not a constant: the caller's bank code is data, so the JIT may not fold the lookup away.
    private String bkcode;

    // Lower bounds: the least any cache keyed by bank can do (a map lookup and a volatile read of the
    // token), and the same with the expiry compared against the clock on every call.
    private final Map<String, Entry> lowerBoundMap = new ConcurrentHashMap<>();

    /** A cached token and its deadline, the shape of the lower bounds. */
    static final class Entry {
        volatile String token;
        final long expireAtNanos;

        Entry(String token, long expireAtNanos) {
            this.token = token;
            this.expireAtNanos = expireAtNanos;
        }
    }

    /** Starts the endpoint, builds the contenders and has each fetch its one token. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        endpoint = FakeTokenEndpoint.start(0, EXPIRES_IN_SECONDS);
        ours = Contenders.ours(endpoint, TokenPolicy.DEFAULT);
        // What publishing metrics adds to the hot path: the Micrometer binding counts cache hits.
        oursCountingHits = Contenders.ours(endpoint, TokenPolicy.DEFAULT, "ours-hits", new TokenMetrics() {
            @Override
            public boolean countsHits() {
                return true;
            }
        });
        // One node of a cluster sharing its tokens (docs/cluster.md): the cached call must cost the same.
        oursClustered = Contenders.ours(endpoint, TokenPolicy.DEFAULT, "ours-clustered", TokenMetrics.NONE,
                new MapSharedTokens());
        spring = Contenders.spring(endpoint, Duration.ofSeconds(60)); // Spring's default skew: 60 s < 3600 s
        google = Contenders.google(endpoint, Duration.ofMinutes(3).plusSeconds(45), Duration.ofMinutes(3));
        apiUri = URI.create("http://127.0.0.1/stet/psd2/v1/payment-requests");
        bkcode = new StringBuilder(Contenders.BKCODE).toString();
        lowerBoundMap.put(bkcode, new Entry("bench-token", System.nanoTime() + TimeUnit.HOURS.toNanos(1)));

        // A few calls each: a cache that does not cache (pitfall 1) shows up here, before any measurement.
        for (int i = 0; i < 3; i++) {
            ours();
            oursCountingHits();
            oursClustered();
            spring();
            google();
        }
        checkOneRequestEach();
    }

    /** Fails the trial if any contender's token endpoint saw other than exactly one request, then stops it. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            checkOneRequestEach();
        } finally {
            endpoint.close();
        }
    }

    private void checkOneRequestEach() {
        for (String contender : List.of("ours", "ours-hits", "ours-clustered", "spring", "google")) {
            long n = endpoint.requests(contender);
            if (n != 1) {
                throw new IllegalStateException(contender + " sent " + n + " token requests instead of 1:"
                        + " its numbers would include token fetches");
            }
        }
    }

    /** Ours: {@code token(bkcode)} and the token text, as a caller building a header needs it. */
    @Benchmark
    public String ours() {
        return ours.token(bkcode).value();
    }

    /** Ours with metrics published: the same call plus the cache-hit count. */
    @Benchmark
    public String oursCountingHits() {
        return oursCountingHits.token(bkcode).value();
    }

    /** Ours as a node of a cluster sharing its tokens: the same call, the cluster never on its path. */
    @Benchmark
    public String oursClustered() {
        return oursClustered.token(bkcode).value();
    }

    /** Spring Security: {@code authorize(prebuilt request).getAccessToken().getTokenValue()}. */
    @Benchmark
    public String spring() {
        return spring.token();
    }

    /** google-auth: {@code getRequestMetadata(uri)}, its per-request call (a map with the header). */
    @Benchmark
    public Map<String, List<String>> google() throws IOException {
        return google.getRequestMetadata(apiUri);
    }

    /** Lower bound: a map lookup and a volatile read. */
    @Benchmark
    public String lowerBoundMapVolatile() {
        return lowerBoundMap.get(bkcode).token;
    }

    /** Lower bound with a clock: a map lookup, a volatile read and one {@code System.nanoTime()} comparison. */
    @Benchmark
    public String lowerBoundMapVolatileNanoTime() {
        Entry e = lowerBoundMap.get(bkcode);
        String token = e.token;
        return System.nanoTime() - e.expireAtNanos < 0 ? token : null;
    }
}
