package io.psd2token.internal.token;

import io.psd2token.bench.Contenders;
import io.psd2token.bench.FakeTokenEndpoint;
import io.psd2token.token.AccessToken;
import java.io.IOException;
import java.util.Map;
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
 * Our hot path taken apart, in the same run as {@code HotPathBenchmark}: the slot lookup alone, the reads of
 * the slot alone, and {@code token(bkcode)} without {@code value()}. It lives in the core's package (bench
 * sources only) to read the package-private registry and slot of the real manager.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class HotPathParts {

    private FakeTokenEndpoint endpoint;
    private TokenManager manager;
    private Map<String, TokenSlot> defaultSlots;
    private TokenSlot slot;
    private String bkcode;

    /** Builds the manager, fetches its token and takes its slot map and slot. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        endpoint = FakeTokenEndpoint.start(0, 3600);
        manager = Contenders.ours(endpoint, TokenPolicy.DEFAULT);
        bkcode = new StringBuilder("13807").toString();
        manager.token(bkcode);
        manager.token(bkcode); // from the cache: the token is in use, its mode FAST|USED
        defaultSlots = manager.registry.defaults;
        slot = defaultSlots.get(bkcode);
    }

    /** Fails the trial unless exactly one token was fetched. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            long n = endpoint.requests("ours");
            if (n != 1) {
                throw new IllegalStateException("ours sent " + n + " token requests instead of 1");
            }
        } finally {
            endpoint.close();
        }
    }

    /** {@code token(bkcode)}: lookup and slot reads, without {@code value()}. */
    @Benchmark
    public AccessToken oursToken() {
        return manager.token(bkcode);
    }

    /** The first half: {@code defaultSlots.get(bkcode)}. */
    @Benchmark
    public Object partSlotLookup() {
        return defaultSlots.get(bkcode);
    }

    /** The second half, as {@code token(bkcode)} does it while the token is fresh and in use: two volatile reads. */
    @Benchmark
    public AccessToken partSlotReads() {
        CachedToken cached = slot.current;
        return cached != null && cached.mode == (CachedToken.FAST | CachedToken.USED) ? cached.token : null;
    }
}
