package io.psd2token.perf;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.psd2token.bank.BankDirectory;
import io.psd2token.bank.Bkcode;
import io.psd2token.internal.config.Psd2Config;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.internal.token.TokenCacheInternals;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenTimer;
import io.psd2token.metrics.MicrometerTokenMetrics;
import io.psd2token.token.TokenMetrics;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.openjdk.jol.info.GraphLayout;

/**
 * P5: the heap a cached token keeps alive. One token manager per case, wired as the deployment wires it
 * ({@link Psd2Config} as the bank registry, with {@code psd2.banks.extra} declaring the extra banks and
 * {@code psd2.max-scopes-per-bank=3}), on a {@link BankHttp} that answers every token request at once with a
 * token of the case's length. Callers use the public API: {@code token(bkcode, scope)} for every bank and scope.
 *
 * <p>Three figures per case, each divided by the number of tokens added:
 * <ul>
 *   <li><b>token entries</b>: JOL's size of the cached tokens' graph (each {@code AccessToken}, the token's
 *       {@code String} and its other fields; what entries share counts once) plus each {@code CachedToken}
 *       holder's own size (its deadline handle leads to the shared timer, counted in the next figure);</li>
 *   <li><b>reachable from the manager</b>: the growth of JOL's size of everything reachable from the
 *       {@code TokenManager}: slots, maps, bank states, the per-bank endpoints the configuration resolves on first
 *       use, the metrics, and (through its executors) the timer's scheduled tasks;</li>
 *   <li><b>whole heap</b>: the growth of the live heap in a class histogram (full GC first, as
 *       {@code jcmd GC.class_histogram}); the check that nothing outside the manager's reach grew.</li>
 * </ul>
 * Then every bank is invalidated and its three tokens fetched again: the growth of the live heap per replaced
 * token is what a replaced token leaves behind (its pending deadline is cancelled and leaves the timer at once).
 *
 * <p>Options (system properties): {@code memory.banks} (1000), {@code memory.lengths} (43,140,1200).
 */
public final class TokenMemoryRun {

    static final List<String> SCOPES = List.of("pisp", "aisp", "cbpii");
    private static final String CLIENT_ID = "PSDFR-ACPR-12345";
    private static final String HEADER = "metrics,token_length,banks,tokens,entry_bytes_per_token,"
            + "reachable_bytes_per_token,heap_bytes_per_token,string_bytes_per_token,replaced_bytes_per_token";

    private TokenMemoryRun() {
    }

    /** Measures every case and writes {@code token-memory.csv} and {@code token-memory.md}. */
    public static void main(String[] args) throws Exception {
        // The manager reaches lambdas (hidden classes), whose field offsets JOL must find another way.
        System.setProperty("jol.magicFieldOffset", "true");
        int banks = Integer.getInteger("memory.banks", 1000);
        int[] lengths = java.util.Arrays.stream(System.getProperty("memory.lengths", "43,140,1200").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<String> csv = new ArrayList<>(List.of(HEADER));
        List<String> breakdown = new ArrayList<>();
        List<String> md = new ArrayList<>();
        try (Machine machine = Machine.sample()) {
            // A first case, not reported: whatever the library and the JDK make once, on first use, is made here.
            measure(banks, lengths[0], false);
            md.add("| metrics | token length (chars) | tokens | token entries (B/token) | reachable from the manager"
                    + " (B/token) |"
                    + " whole heap (B/token) | of which the token's String | left by each replaced token (B) |");
            md.add("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (boolean metrics : new boolean[] {false, true}) {
                for (int length : lengths) {
                    Result r = measure(banks, length, metrics);
                    csv.add(r.csv());
                    md.add(r.markdown());
                    breakdown.add(r.label() + "\n" + r.topClasses());
                    System.out.println(r.markdown());
                    System.out.println(r.topClasses());
                }
            }
            md.add("");
            md.add(machine.line());
            md.add("");
            md.addAll(breakdown);
        }
        Files.write(Machine.out("token-memory.csv"), csv);
        Files.write(Machine.out("token-memory.md"), md);
        md.forEach(System.out::println);
    }

    record Result(boolean metrics, int length, int banks, int tokens, double entry, double reachable, double heap,
            double string, double replaced, String topClasses) {

        String csv() {
            return String.format(Locale.ROOT, "%s,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f", metrics ? "micrometer" : "none",
                    length, banks, tokens, entry, reachable, heap, string, replaced);
        }

        String label() {
            return (metrics ? "Micrometer" : "no metrics") + ", tokens of " + length + " characters";
        }

        String markdown() {
            return String.format(Locale.ROOT, "| %s | %d | %,d | %.0f | %.0f | %.0f | %.0f | %.0f |",
                    metrics ? "Micrometer (SimpleMeterRegistry)" : "none", length, tokens, entry, reachable, heap,
                    string, replaced);
        }
    }

    private static Result measure(int bankCount, int length, boolean withMetrics) throws Exception {
        List<String> codes = extraBankCodes(bankCount);
        Map<String, String> config = new HashMap<>();
        config.put("psd2.banks.extra", String.join(",", codes));
        config.put("psd2.max-scopes-per-bank", Integer.toString(SCOPES.size()));
        config.put("psd2.client-id", CLIENT_ID);
        config.put("psd2.token-endpoint-template", "https://{bkcode}.bank.invalid/stet/psd2/oauth/token");
        config.put("psd2.api-base-template", "https://{bkcode}.bank.invalid/stet/psd2/v1");
        Psd2Config settings = new Psd2Config(key -> Optional.ofNullable(config.get(key)));
        if (!settings.problems().isEmpty()) {
            throw new IllegalStateException("configuration problems: " + settings.problems());
        }
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("token-timer"));
        // As the library's own timer: a replaced token's cancelled deadline leaves the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        ExecutorService io = Executors.newCachedThreadPool(daemon("token-io"));
        try (Jsonb jsonb = JsonbBuilder.create()) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            TokenMetrics metrics = withMetrics ? new MicrometerTokenMetrics(meters, true) : TokenMetrics.NONE;
            FakeBank bank = new FakeBank(length);
            TokenManager manager = TokenManager.builder().banks(settings).clientId(CLIENT_ID).http(bank).jsonb(jsonb)
                    .timer(TokenTimer.of(timer)).io(io).policy(settings.tokenPolicy())
                    .resilience(settings.resilience()).scopes(settings.scopeRules()).metrics(metrics).build();
            // Everything made once (JSON-B's metadata for the token response, threads, the first meters) exists
            // before the first snapshot: two tokens of shipped banks.
            manager.token("13807");
            manager.token("17515", "aisp");
            Map<String, long[]> heapBefore = histogram();
            long reachableBefore = GraphLayout.parseInstance(manager).totalSize();
            int slotsBefore = TokenCacheInternals.slots(manager);

            for (String code : codes) {
                for (String scope : SCOPES) {
                    if (!manager.token(code, scope).scope().value().equals(scope)) {
                        throw new IllegalStateException("bank " + code + " answered another scope than " + scope);
                    }
                }
            }

            Map<String, long[]> heapAfter = histogram();
            long reachableAfter = GraphLayout.parseInstance(manager).totalSize();
            int tokens = TokenCacheInternals.slots(manager) - slotsBefore;
            if (tokens != codes.size() * SCOPES.size() || bank.requests.get() != tokens + 2) {
                throw new IllegalStateException("expected " + codes.size() * SCOPES.size() + " new slots and as many"
                        + " token requests, got " + tokens + " slots and " + (bank.requests.get() - 2) + " requests");
            }
            // In a method of its own, so that no list of these tokens outlives it and the replaced ones can go.
            double entriesPerToken = entriesPerToken(manager);
            // A Latin-1 String of n characters: 24 B of object + a byte[] of 16 B header + n, 8-byte aligned.
            double string = 24 + align(16 + length);
            double heap = (total(heapAfter) - total(heapBefore)) / (double) tokens;
            String top = topGrowth(heapBefore, heapAfter, tokens);
            // Every token replaced once (as after a 403 "Invalid token" or a QWAC rotation): what stays behind.
            for (String code : codes) {
                manager.invalidate(Bkcode.of(code));
                for (String scope : SCOPES) {
                    manager.token(code, scope);
                }
            }
            double replaced = (total(histogram()) - total(heapAfter)) / (double) tokens;
            Result result = new Result(withMetrics, length, codes.size(), tokens, entriesPerToken,
                    (reachableAfter - reachableBefore) / (double) tokens, heap, string, replaced, top);
            // Keep everything reachable until the last snapshot above.
            if (manager.states().size() < tokens) {
                throw new IllegalStateException("slots vanished during the run");
            }
            return result;
        } finally {
            timer.shutdownNow();
            io.shutdownNow();
        }
    }

    /** JOL's size of every cached entry, in one walk (what entries share, a scope or a bank code, counts once). */
    private static double entriesPerToken(TokenManager manager) {
        List<Object> cached = TokenCacheInternals.cachedTokens(manager);
        long entries = GraphLayout.parseInstance(cached.toArray()).totalSize()
                + cached.size() * TokenCacheInternals.cachedTokenShallowBytes();
        return entries / (double) cached.size();
    }

    /** Bank codes the shipped directory does not have: declared with psd2.banks.extra, as a deployment would. */
    static List<String> extraBankCodes(int count) {
        Set<String> shipped = BankDirectory.shipped().stream().map(b -> b.bkcode().value()).collect(Collectors.toSet());
        List<String> codes = new ArrayList<>();
        for (int n = 80000; codes.size() < count; n++) {
            if (n > 99999) {
                throw new IllegalArgumentException("not enough free bank codes for " + count + " banks");
            }
            String code = Integer.toString(n);
            if (!shipped.contains(code)) {
                codes.add(code);
            }
        }
        return codes;
    }

    private static long align(long bytes) {
        return (bytes + 7) / 8 * 8;
    }

    /** The live heap by class (a full GC first): class name → {instances, bytes}; the total under "Total". */
    static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> classes = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            } else if (f.length == 3 && f[0].equals("Total")) {
                classes.put("Total", new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return classes;
    }

    private static long total(Map<String, long[]> histogram) {
        return histogram.get("Total")[1];
    }

    /** The classes whose live bytes grew most, per token added. */
    private static String topGrowth(Map<String, long[]> before, Map<String, long[]> after, int tokens) {
        record Growth(String name, double instances, double bytes) {
        }
        List<Growth> growth = new ArrayList<>();
        after.forEach((name, a) -> {
            if (!name.equals("Total")) {
                long[] b = before.getOrDefault(name, new long[2]);
                growth.add(new Growth(name, (a[0] - b[0]) / (double) tokens, (a[1] - b[1]) / (double) tokens));
            }
        });
        growth.sort(Comparator.comparingDouble(Growth::bytes).reversed());
        StringBuilder out = new StringBuilder("  largest growth per token (instances, bytes):\n");
        growth.stream().limit(20).forEach(g -> out.append(String.format(Locale.ROOT, "    %-70s %6.2f %8.1f%n",
                g.name(), g.instances(), g.bytes())));
        return out.toString();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * A bank that answers every token request at once with a fresh random token of a fixed length, the scope
     * asked for and a lifetime of one hour, as the simulator does ({@code expires_in} as a string).
     */
    static final class FakeBank implements BankHttp {

        private static final SecureRandom RANDOM = new SecureRandom();

        final AtomicInteger requests = new AtomicInteger();
        private final int length;

        FakeBank(int length) {
            this.length = length;
        }

        @Override
        public CompletableFuture<HttpReply> postForm(URI uri, String formBody) {
            requests.incrementAndGet();
            String body = "{\"access_token\":\"" + token(length) + "\",\"token_type\":\"Bearer\","
                    + "\"expires_in\":\"3600\",\"scope\":\"" + scope(formBody) + "\"}";
            return CompletableFuture.completedFuture(new HttpReply(200, "application/json", body));
        }

        private static String scope(String formBody) {
            for (String pair : formBody.split("&")) {
                if (pair.startsWith("scope=")) {
                    return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
            return "pisp";
        }

        /** Random base64url characters, the alphabet of opaque and JWT tokens alike. */
        static String token(int length) {
            byte[] bytes = new byte[length];
            RANDOM.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).substring(0, length);
        }
    }
}
