package io.psd2token.perf;

import io.psd2token.bank.Bkcode;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.internal.token.TokenManager;
import java.net.http.HttpClient;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The P4 comparisons again, with the library and the bare POST alternating call by call (library, bare, bare,
 * library, ...) in one JVM, so that a change in the machine's load falls on both alike: JMH runs one benchmark
 * after the other, and on a busy machine the load can change between them. Same objects and checks as
 * {@link TokenLatencyBenchmark}, whose helpers it uses; warm-up rounds first, not counted.
 */
final class InterleavedTokenRun {

    private InterleavedTokenRun() {
    }

    /** Runs the three parts; appends Markdown rows to {@code md} and CSV rows to {@code csv}. */
    static void run(boolean quick, List<String> md, List<String> csv) throws Exception {
        TokenLatencyBenchmark b = new TokenLatencyBenchmark();
        b.start();
        try {
            String bank = TokenLatencyBenchmark.BANK;
            String pooledBank = TokenLatencyBenchmark.POOLED_BANK;
            Supplier<Long> coldLibrary = () -> {
                TokenManager fresh = b.manager(b.freshContext());
                return time(() -> b.libraryToken(fresh, bank));
            };
            Supplier<Long> coldBare = () -> {
                SSLContext context = b.freshContext();
                return time(() -> b.barePost(TokenLatencyBenchmark.bareClient(context), bank));
            };
            report("cold", "ms", 1e6, alternate(quick ? 5 : 20, quick ? 20 : 200, coldLibrary, coldBare), md, csv);

            TokenManager manager = b.manager(b.freshContext());
            b.libraryToken(manager, bank);
            b.libraryToken(manager, pooledBank);
            HttpClient client = TokenLatencyBenchmark.bareClient(b.freshContext());
            b.barePost(client, bank);
            b.barePost(client, pooledBank);
            for (String[] part : new String[][] {{"refresh new connection", bank}, {"refresh pooled connection",
                    pooledBank}}) {
                String target = part[1];
                Supplier<Long> library = () -> time(() -> {
                    manager.invalidate(Bkcode.of(target));
                    b.libraryToken(manager, target);
                });
                Supplier<Long> bare = () -> time(() -> b.barePost(client, target));
                int n = target.equals(bank) ? (quick ? 100 : 1500) : (quick ? 300 : 4000);
                report(part[0], "µs", 1e3, alternate(n / 4, n, library, bare), md, csv);
            }
            instantBank(b, quick, md);
            seamAlone(b, client, quick, md, csv);
            handOffs(b, quick, md, csv);
        } finally {
            b.stop();
        }
    }

    /**
     * A diagnosis, not a contender: a manager whose bank answers at once, in the calling thread, with a canned
     * token response: what the library's own steps cost (hand-offs to threads that are still spinning, the parse,
     * the bookkeeping), without the network. A fixed number of calls: each replaced token leaves its three timer
     * tasks queued until their deadlines an hour away, so an open-ended run at this pace fills any heap.
     */
    private static void instantBank(TokenLatencyBenchmark b, boolean quick, List<String> md) {
        TokenManager manager = b.manager((uri, form) -> CompletableFuture.completedFuture(
                new HttpReply(200, "application/json", TokenLatencyBenchmark.CANNED_ANSWER)));
        String bank = TokenLatencyBenchmark.BANK;
        Supplier<Long> refresh = () -> time(() -> {
            manager.invalidate(Bkcode.of(bank));
            manager.token(bank);
        });
        int n = quick ? 5_000 : 50_000;
        long[] times = new long[n];
        for (int i = 0; i < n / 2; i++) {
            refresh.get();
        }
        for (int i = 0; i < n; i++) {
            times[i] = refresh.get();
        }
        Arrays.sort(times);
        md.add(String.format(Locale.ROOT, "| diagnosis: library refresh, bank answering at once, no network (µs) |"
                + " %.2f | – | – | %.2f / %.2f | – | %d |", percentile(times, 50) / 1e3, percentile(times, 90) / 1e3,
                percentile(times, 99) / 1e3, n));
    }

    /**
     * A diagnosis, not a contender: the library's HTTP seam alone ({@code JdkBankHttp.postForm}, its own pooled
     * client), without the token manager, against the bare POST on the pooled connection: tells whether a
     * difference in the pooled refresh comes from the seam or from the manager.
     */
    private static void seamAlone(TokenLatencyBenchmark b, HttpClient client, boolean quick, List<String> md,
            List<String> csv) {
        String bank = TokenLatencyBenchmark.POOLED_BANK;
        JdkBankHttp http = b.http(b.freshContext());
        b.seamPost(http, bank);
        Supplier<Long> seam = () -> time(() -> b.seamPost(http, bank));
        Supplier<Long> bare = () -> time(() -> b.barePost(client, bank));
        report("diagnosis: JdkBankHttp alone pooled", "µs", 1e3, alternate(quick ? 50 : 500, quick ? 300 : 3000,
                seam, bare), md, csv);
        // The JDK's public sendAsync completes its future on the common pool (one worker on 2 cores), send does
        // not: one thread hop more for any asynchronous caller, the library's seam included.
        Supplier<Long> async = () -> time(() -> b.bareAsyncPost(client, bank));
        report("diagnosis: bare sendAsync join pooled", "µs", 1e3, alternate(quick ? 50 : 500, quick ? 300 : 3000,
                async, bare), md, csv);
    }

    /**
     * A diagnosis, not a contender: a bank that answers after 1 ms without any network (a scheduler completes the
     * reply), through the library, against a caller that waits for the same 1 ms reply itself. The difference is
     * what the library's hand-offs (request start and answer on the I/O executor, then the caller woken) cost when
     * the threads involved are parked, as they are while a real bank takes its time.
     */
    private static void handOffs(TokenLatencyBenchmark b, boolean quick, List<String> md, List<String> csv) {
        ScheduledExecutorService bankClock = Executors.newSingleThreadScheduledExecutor();
        try {
            Supplier<CompletableFuture<HttpReply>> reply = () -> {
                CompletableFuture<HttpReply> future = new CompletableFuture<>();
                bankClock.schedule(() -> future.complete(new HttpReply(200, "application/json",
                        TokenLatencyBenchmark.CANNED_ANSWER)), 1,
                        TimeUnit.MILLISECONDS);
                return future;
            };
            TokenManager manager = b.manager((uri, form) -> reply.get());
            String bank = TokenLatencyBenchmark.BANK;
            Supplier<Long> library = () -> time(() -> {
                manager.invalidate(Bkcode.of(bank));
                manager.token(bank);
            });
            Supplier<Long> direct = () -> time(() -> reply.get().join());
            report("diagnosis: 1 ms answer without network", "µs", 1e3,
                    alternate(quick ? 50 : 500, quick ? 200 : 2000, library, direct), md, csv);
        } finally {
            bankClock.shutdownNow();
        }
    }

    /** How long {@code call} takes, in nanoseconds. */
    private static long time(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return System.nanoTime() - start;
    }

    /** Warm-up pairs, then {@code n} measured calls of each side in the order L B B L; nanoseconds, sorted. */
    private static long[][] alternate(int warmup, int n, Supplier<Long> library, Supplier<Long> bare) {
        for (int i = 0; i < warmup; i++) {
            library.get();
            bare.get();
        }
        long[][] times = new long[2][n];
        for (int i = 0; i < 2 * n; i++) {
            boolean libraryTurn = i % 4 == 0 || i % 4 == 3;
            if (libraryTurn) {
                times[0][i / 2] = library.get();
            } else {
                times[1][i / 2] = bare.get();
            }
            if (i % 100 == 99) {
                // Cold calls leave HTTP clients behind; their selector threads end once they are collected.
                System.gc();
            }
        }
        Arrays.sort(times[0]);
        Arrays.sort(times[1]);
        return times;
    }

    private static void report(String what, String unit, double scale, long[][] times, List<String> md,
            List<String> csv) {
        double[][] p = new double[2][3];
        for (int s = 0; s < 2; s++) {
            p[s][0] = percentile(times[s], 50) / scale;
            p[s][1] = percentile(times[s], 90) / scale;
            p[s][2] = percentile(times[s], 99) / scale;
            csv.add(String.format(Locale.ROOT, "interleaved %s,%s,%s,%.3f,%.3f,%.3f,%d", what, unit,
                    s == 0 ? "library" : "bare", p[s][0], p[s][1], p[s][2], times[s].length));
        }
        md.add(String.format(Locale.ROOT, "| %s, interleaved (%s) | %.2f | %.2f | **%.2f** | %.2f / %.2f |"
                + " %.2f / %.2f | %d |", what.replace("refresh ", "refresh, "), unit, p[0][0], p[1][0],
                p[0][0] / p[1][0], p[0][1], p[0][2], p[1][1], p[1][2], times[0].length));
    }

    private static double percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
