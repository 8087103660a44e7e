package io.psd2token.bench;

import io.psd2token.bank.Bkcode;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * P2 of docs/performance.md: a thousand callers released at once on one contender, at cold start or across a refresh
 * boundary, against a {@link FakeTokenEndpoint} that answers after a fixed delay. One storm per JVM (so GC
 * counts and JIT state belong to one contender), bounded in time, loopback only; it prints one CSV row.
 *
 * <p>Usage: {@code TokenStorm CONTENDER SCENARIO DELAY_MS MODE RUN} with CONTENDER {@code ours|spring|google},
 * SCENARIO {@code cold|refresh}, MODE {@code b2b} (callers call back to back: the token-request count under
 * the worst burst) or {@code paced} (each caller parks 10–30 ms between calls: latencies that belong to the
 * cache rather than to a scheduler with 1,000 runnable threads on 2 cores, pitfall 6).
 *
 * <p>Tokens live {@value #EXPIRES_IN_SECONDS} s and every contender is set to start its refresh 5 s before
 * expiry and to stop using a token 1 s before it:
 * <ul>
 * <li>ours: {@link #OUR_POLICY}, refreshSkew 5 s, expiryMargin 1 s: fresh for 11 s, then stale for 4 s
 *     (callers keep the old token while one background request runs), then expired;</li>
 * <li>Spring: {@code clockSkew} 5 s (its default 60 s would make a 10 s token always expired, pitfall 2);
 *     Spring has no stale window: at the skew every caller fetches;</li>
 * <li>google-auth: refreshMargin 5 s, expirationMargin 1 s (its STALE and EXPIRED points).</li>
 * </ul>
 * Before the storm, each JVM warms the contender's code on a separate instance and endpoint (see
 * {@link #warmUp(String, String)}).
 * The refresh storm runs until {@value #REFRESH_RUN_MILLIS} ms after the first token was asked for: one
 * refresh boundary (at 11 s after sending or receipt), never two (the next is 22 s or more after it).
 *
 * <p>Paced latencies are split into the <b>window</b> (calls started between the moment the token had to be
 * replaced, or the release at cold start, and the last answer of the storm's token requests) and the
 * <b>steady state</b> (calls started before the window, after the first second; at cold start, calls
 * started 200 ms after the last answer).
 */
public final class TokenStorm {

    static final long EXPIRES_IN_SECONDS = 16;
    static final long REFRESH_RUN_MILLIS = 19_000;
    static final long COLD_RUN_AFTER_DELAY_MILLIS = 2_000;

    /**
     * Ours for the storms: 10 min default lifetime, 24 h cap, dropped 1 s before expiry and refreshed 4 s before
     * that, i.e. 5 s before expiry: the same two points as google-auth's margins below.
     */
    static final TokenPolicy OUR_POLICY = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1),
            Duration.ofMinutes(2));
    static final Duration SPRING_CLOCK_SKEW = Duration.ofSeconds(5);
    static final Duration GOOGLE_REFRESH_MARGIN = Duration.ofSeconds(5);
    static final Duration GOOGLE_EXPIRATION_MARGIN = Duration.ofSeconds(1);

    static final String CSV_HEADER = "contender,scenario,delay_ms,mode,run,callers,requests,calls,errors,gc_count,"
            + "gc_ms,run_ms,window_ms,win_n,win_over_1ms,win_p50_us,win_p99_us,win_max_us,"
            + "steady_n,steady_p50_us,steady_p99_us,steady_max_us";

    private static final int MAX_RECORDS_PER_CALLER = 2_000;
    private static final int WARMUP_FETCHES = 300;
    private static final int WARMUP_CALLS = 20_000;

    private TokenStorm() {
    }

    /** Runs one storm and prints {@code RESULT,<csv row>}. */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: TokenStorm ours|spring|google cold|refresh DELAY_MS b2b|paced RUN");
            System.exit(2);
        }
        String contender = args[0];
        String scenario = args[1];
        long delayMillis = Long.parseLong(args[2]);
        boolean paced = switch (args[3]) {
            case "b2b" -> false;
            case "paced" -> true;
            default -> throw new IllegalArgumentException("mode: b2b or paced");
        };
        int callers = Integer.getInteger("storm.callers", 1000);
        warmUp(contender, System.getProperty("storm.warmup", "fetches"));
        String row;
        try (FakeTokenEndpoint endpoint = FakeTokenEndpoint.start(delayMillis, EXPIRES_IN_SECONDS)) {
            Callable<Object> call = target(contender, endpoint).call();
            row = storm(contender, scenario, delayMillis, paced, args[4], callers, endpoint, call);
        }
        System.out.println("RESULT," + row);
        System.out.flush();
        // The contenders' HTTP clients and schedulers hold threads of their own: end here, not when they idle out.
        System.exit(0);
    }

    /**
     * Loads and compiles the contender's code (HTTP client and server, JSON parser, cache) on another
     * instance and endpoint: {@value #WARMUP_FETCHES} token fetches (the cached token dropped before each),
     * then {@value #WARMUP_CALLS} cached calls. The storm then measures the cache, not class loading and the
     * interpreter in a fresh JVM; its own instance still starts with an empty cache and no connection.
     * {@code -Dstorm.warmup=none} skips this (a cold JVM).
     */
    private static void warmUp(String contender, String mode) throws Exception {
        switch (mode) {
            case "none" -> {
                return;
            }
            case "fetches" -> {
                try (FakeTokenEndpoint endpoint = FakeTokenEndpoint.start(0, 3600)) {
                    Target target = target(contender, endpoint);
                    for (int i = 0; i < WARMUP_FETCHES; i++) {
                        target.forget().run();
                        target.call().call();
                    }
                    for (int i = 0; i < WARMUP_CALLS; i++) {
                        target.call().call();
                    }
                    long fetched = endpoint.requests(contender);
                    if (fetched != WARMUP_FETCHES) {
                        throw new IllegalStateException(contender + " made " + fetched + " requests in the warm-up"
                                + " instead of " + WARMUP_FETCHES);
                    }
                }
            }
            default -> throw new IllegalArgumentException("storm.warmup: fetches or none");
        }
    }

    /** A contender reduced to its per-request call and a way to drop its cached token. */
    private record Target(Callable<Object> call, Runnable forget) {
    }

    private static Target target(String name, FakeTokenEndpoint endpoint) {
        switch (name) {
            case "ours" -> {
                TokenManager m = Contenders.ours(endpoint, OUR_POLICY);
                return new Target(() -> m.token(Contenders.BKCODE).value(),
                        () -> m.invalidate(Bkcode.of(Contenders.BKCODE)));
            }
            case "spring" -> {
                Contenders.Spring s = Contenders.spring(endpoint, SPRING_CLOCK_SKEW);
                return new Target(s::token, s::forget);
            }
            case "google" -> {
                GoogleClientCredentials g = Contenders.google(endpoint, GOOGLE_REFRESH_MARGIN, GOOGLE_EXPIRATION_MARGIN);
                URI api = URI.create("http://127.0.0.1/stet/psd2/v1/payment-requests");
                return new Target(() -> g.getRequestMetadata(api), () -> {
                    try {
                        g.refresh(); // google-auth has no "forget": a forced refresh is its equivalent
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            default -> throw new IllegalArgumentException("contender: ours, spring or google");
        }
    }

    private static String storm(String contender, String scenario, long delayMillis, boolean paced, String run,
            int callers, FakeTokenEndpoint endpoint, Callable<Object> call) throws Exception {
        boolean refresh = switch (scenario) {
            case "cold" -> false;
            case "refresh" -> true;
            default -> throw new IllegalArgumentException("scenario: cold or refresh");
        };
        long priming = 0;
        long primed = 0;
        if (refresh) {
            priming = System.nanoTime();
            call.call(); // the cold-start token whose refresh boundary the storm crosses
            primed = System.nanoTime();
        }
        long requestsBefore = endpoint.requests(contender);
        endpoint.resetSpan();

        Caller[] workers = new Caller[callers];
        CountDownLatch ready = new CountDownLatch(callers);
        CountDownLatch start = new CountDownLatch(1);
        for (int i = 0; i < callers; i++) {
            workers[i] = new Caller(call, paced, ready, start);
            workers[i].start();
        }
        ready.await();
        long[] gcBefore = gc();
        long released = System.nanoTime();
        start.countDown();
        long runUntil = refresh ? priming + TimeUnit.MILLISECONDS.toNanos(REFRESH_RUN_MILLIS)
                : released + TimeUnit.MILLISECONDS.toNanos(delayMillis + COLD_RUN_AFTER_DELAY_MILLIS);
        sleepUntil(runUntil);
        Caller.stop = true;
        long joinBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Caller w : workers) {
            w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
        }
        long ended = System.nanoTime();
        long[] gcAfter = gc();
        long requests = endpoint.requests(contender) - requestsBefore;

        long calls = 0;
        long errors = 0;
        int recorded = 0;
        for (Caller w : workers) {
            calls += w.calls;
            errors += w.errors;
            recorded += w.recorded;
        }
        // The window: from the moment the token must be replaced until the last answer of the storm's token
        // requests. At cold start it opens at the release. Across a refresh it opens at the contender's
        // refresh point: 5 s after sending for ours (its lifetime counts from sending), 5 s after receipt for
        // Spring and google-auth (theirs counts from receipt); 1 ms earlier for clock granularity.
        long first = endpoint.firstArrivalNanos();
        long last = endpoint.lastAnswerNanos();
        long refreshPoint = (contender.equals("ours") ? priming : primed)
                + TimeUnit.SECONDS.toNanos(EXPIRES_IN_SECONDS) - OUR_POLICY.refreshSkew().toNanos()
                - TimeUnit.MILLISECONDS.toNanos(1);
        long windowStart = refresh ? Math.min(first, refreshPoint) : released;
        long windowEnd = last;
        long slowInWindow = 0;
        long[] inWindow = new long[recorded];
        long[] steady = new long[recorded];
        int nw = 0;
        int ns = 0;
        long steadyFrom = refresh ? released + TimeUnit.SECONDS.toNanos(1) : last + TimeUnit.MILLISECONDS.toNanos(200);
        long steadyTo = refresh ? windowStart : Long.MAX_VALUE;
        for (Caller w : workers) {
            for (int i = 0; i < w.recorded; i++) {
                long s = w.starts[i];
                long d = w.durations[i];
                if (requests > 0 && s >= windowStart && s <= windowEnd) {
                    inWindow[nw++] = d;
                    if (d > TimeUnit.MILLISECONDS.toNanos(1)) {
                        slowInWindow++;
                    }
                } else if (s >= steadyFrom && s < steadyTo) {
                    steady[ns++] = d;
                }
            }
        }
        if (Boolean.getBoolean("storm.dump")) {
            dumpSlowest(workers, windowStart, 40);
        }
        String callsFile = System.getProperty("storm.calls");
        if (callsFile != null) {
            // For diagnosis: every paced call (start relative to the window, duration), in nanoseconds.
            try (PrintWriter out = new PrintWriter(callsFile, StandardCharsets.UTF_8)) {
                out.println("start_ns,duration_ns,window_ns");
                for (Caller c : workers) {
                    for (int i = 0; i < c.recorded; i++) {
                        out.println((c.starts[i] - windowStart) + "," + c.durations[i] + "," + (windowEnd - windowStart));
                    }
                }
            }
        }
        long[] w = Arrays.copyOf(inWindow, nw);
        long[] st = Arrays.copyOf(steady, ns);
        Arrays.sort(w);
        Arrays.sort(st);
        double windowMs = requests > 0 ? (windowEnd - windowStart) / 1e6 : 0;
        return String.join(",", System.getProperty("storm.label", contender), scenario, Long.toString(delayMillis), paced ? "paced" : "b2b", run,
                Integer.toString(callers), Long.toString(requests), Long.toString(calls), Long.toString(errors),
                Long.toString(gcAfter[0] - gcBefore[0]), Long.toString(gcAfter[1] - gcBefore[1]),
                Long.toString(TimeUnit.NANOSECONDS.toMillis(ended - released)), fmt(windowMs),
                paced ? Integer.toString(nw) : "", paced ? Long.toString(slowInWindow) : "",
                micros(w, 0.50, paced), micros(w, 0.99, paced), micros(w, 1.0, paced),
                paced ? Integer.toString(ns) : "", micros(st, 0.50, paced), micros(st, 0.99, paced),
                micros(st, 1.0, paced));
    }

    /** One caller: waits for the release, then calls until told to stop. */
    private static final class Caller extends Thread {

        static volatile boolean stop;

        private final Callable<Object> call;
        private final boolean paced;
        private final CountDownLatch ready;
        private final CountDownLatch start;
        // Written by this thread only, read by main after join().
        final long[] starts;
        final long[] durations;
        int recorded;
        long calls;
        long errors;

        Caller(Callable<Object> call, boolean paced, CountDownLatch ready, CountDownLatch start) {
            super("storm-caller");
            setDaemon(true);
            this.call = call;
            this.paced = paced;
            this.ready = ready;
            this.start = start;
            this.starts = paced ? new long[MAX_RECORDS_PER_CALLER] : new long[0];
            this.durations = paced ? new long[MAX_RECORDS_PER_CALLER] : new long[0];
        }

        @Override
        public void run() {
            ready.countDown();
            try {
                start.await();
            } catch (InterruptedException e) {
                return;
            }
            if (paced) {
                runPaced();
            } else {
                runBackToBack();
            }
        }

        private void runBackToBack() {
            long n = 0;
            while (!stop) {
                if (oneCall()) {
                    n++;
                } else {
                    errors++;
                }
            }
            calls = n;
        }

        /**
         * One call of the contender, as a request thread makes it: once per request, not inside a hot loop.
         * StormSuite keeps the JIT from inlining this method into the callers' loops; otherwise each of the
         * thousand callers' long-running, OSR-compiled loop frames would hold the contender's code, and a
         * deoptimisation of that code (at the first stale token, say) would have to unwind every one of them.
         */
        boolean oneCall() {
            try {
                call.call();
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        private void runPaced() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop) {
                long t0 = System.nanoTime();
                boolean ok = oneCall();
                long t1 = System.nanoTime();
                if (ok) {
                    calls++;
                } else {
                    errors++;
                }
                if (recorded < starts.length) {
                    starts[recorded] = t0;
                    durations[recorded] = t1 - t0;
                    recorded++;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10 + random.nextInt(21)));
            }
        }
    }

    /** For diagnosis: the slowest paced calls, with their start relative to the window, on stderr. */
    private static void dumpSlowest(Caller[] workers, long windowStart, int n) {
        List<long[]> all = new ArrayList<>();
        for (Caller w : workers) {
            for (int i = 0; i < w.recorded; i++) {
                all.add(new long[] {w.starts[i] - windowStart, w.durations[i]});
            }
        }
        all.sort((a, b) -> Long.compare(b[1], a[1]));
        long uptimeMillis = ManagementFactory.getRuntimeMXBean().getUptime();
        System.err.printf(Locale.ROOT, "window starts at JVM uptime %.3f s%n",
                uptimeMillis / 1e3 - (System.nanoTime() - windowStart) / 1e9);
        for (long[] call : all.subList(0, Math.min(n, all.size()))) {
            System.err.printf(Locale.ROOT, "slow call: started %+.3f ms from window start, took %.3f ms%n",
                    call[0] / 1e6, call[1] / 1e6);
        }
    }

    private static long[] gc() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static String micros(long[] sorted, double quantile, boolean paced) {
        if (!paced || sorted.length == 0) {
            return "";
        }
        int i = (int) Math.ceil(quantile * sorted.length) - 1;
        return fmt(sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e3);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
