package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.Bkcode;
import io.psd2token.error.BankTokenException;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenState;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A seeded randomized test that looks for what nobody listed: many threads call every entry point across banks
 * and scopes while a fake bank answers late, fails (5xx, 429 with random Retry-After), answers garbage, revokes
 * tokens (the API answers 403) and hangs; the timer lags at random, credentials rotate at random. After every call
 * the invariants are checked; then the faults stop and every slot must recover.
 *
 * <p>The seed is printed; {@code -Dpsd2.random.seed=...} replays the same schedule of faults and choices (the
 * threads' interleaving is the machine's). {@code -Dpsd2.random.duration=PT10M} makes the long run of
 * docs/testing.md; the default build runs 20 s.
 */
class TokenCoreRandomizedTest {

    private static final Logger LOG = Logger.getLogger(TokenCoreRandomizedTest.class.getName());
    private static final List<String> BANKS = List.of("13807", "17515", "10107", "11315");
    private static final List<String> SCOPES = List.of("pisp", "aisp", "aisp pisp");
    private static final Duration WAIT = Duration.ofSeconds(1);
    /** What a call may take beyond its wait: starting the request, and scheduling on two cores. */
    private static final Duration SLACK = Duration.ofMillis(750);
    private static final int MAX_SCOPES = 3;

    @Test
    void underRandomFaultsAndInterleavingsTheInvariantsHoldAndEverySlotRecovers() throws Exception {
        long seed = Long.getLong("psd2.random.seed", System.nanoTime());
        Duration duration = Duration.parse(System.getProperty("psd2.random.duration", "PT20S"));
        System.out.println("TokenCoreRandomizedTest seed " + seed + " duration " + duration
                + " (replay: -Dpsd2.random.seed=" + seed + ")");
        Random master = new Random(seed);
        RandomBank bank = new RandomBank(master.nextLong());
        ScheduledExecutorService timerThread = Executors.newSingleThreadScheduledExecutor();
        ExecutorService io = Executors.newFixedThreadPool(4);
        Random lagRandom = new Random(master.nextLong());
        // Shortest token 2 s: dropped at 1.6 s, stale 0.8 s before, fast path until 0.4 s before: lag under that.
        long maxLagNanos = Duration.ofMillis(300).toNanos();
        TokenTimer timed = TokenTimer.of(timerThread);
        TokenTimer lagging = (task, delay) -> {
            long lag;
            synchronized (lagRandom) {
                lag = (long) (lagRandom.nextDouble() * maxLagNanos);
            }
            return timed.schedule(task, Math.max(0, delay) + lag);
        };
        TokenPolicy policy = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24), Duration.ofSeconds(60),
                Duration.ofSeconds(15), WAIT, Duration.ofMillis(100), Duration.ofSeconds(1));
        Resilience resilience = new Resilience(2, Duration.ofMillis(50), Duration.ofMillis(200), 5,
                Duration.ofMillis(500), 16, Duration.ofMillis(300), Duration.ofMillis(700));
        Random jitter = new Random(master.nextLong());
        TokenManager m = TokenManager.builder().banks(FakeBank::endpoints).clientId("PSDFR-ACPR-12345").http(bank)
                .jsonb(TokenManagerTest.JSONB).timer(lagging).io(io).clock(TokenClock.system()).policy(policy)
                .resilience(resilience).scopes(new ScopeRules(Set.of(), MAX_SCOPES)).jitter(() -> {
                    synchronized (jitter) {
                        return jitter.nextDouble();
                    }
                }).build();
        Stats stats = new Stats();
        try {
            long faultyUntil = System.nanoTime() + duration.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long threadSeed = master.nextLong();
                Thread thread = new Thread(() -> callers(m, bank, new Random(threadSeed), faultyUntil, stats),
                        "random-caller-" + t);
                threads.add(thread);
            }
            long rotationSeed = master.nextLong();
            threads.add(new Thread(() -> rotations(m, new Random(rotationSeed), faultyUntil, stats), "rotations"));
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            // The faults stop: every slot recovers within its back-off (Retry-After cap 1 s, circuit 0.5 s) plus one
            // request.
            bank.faults = false;
            long recoverBy = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            for (String bk : BANKS) {
                for (String scope : SCOPES) {
                    AccessToken token = recover(m, bk, scope, recoverBy);
                    assertTrue(token != null, "slot " + bk + "/" + scope + " did not recover; seed " + seed);
                }
            }
        } finally {
            timerThread.shutdownNow();
            io.shutdownNow();
            bank.close();
        }
        LOG.info(() -> "randomized run, seed " + seed + ": " + stats);
        System.out.println("TokenCoreRandomizedTest seed " + seed + ": " + stats);
        assertEquals(List.of(), stats.violations, "invariants broken; seed " + seed);
        assertEquals(0, bank.overlapping.get(), "two requests in flight for one slot; seed " + seed);
        assertTrue(stats.tokens.sum() > 100, "the run served tokens: " + stats);
    }

    private static void callers(TokenManager m, RandomBank bank, Random random, long until, Stats stats) {
        while (System.nanoTime() < until) {
            String bk = BANKS.get(random.nextInt(BANKS.size()));
            String scope = SCOPES.get(random.nextInt(SCOPES.size()));
            int op = random.nextInt(100);
            long calledAt = System.nanoTime();
            try {
                AccessToken token;
                if (op < 40) {
                    token = m.token(bk);
                } else if (op < 65) {
                    token = m.token(bk, scope);
                } else if (op < 80) {
                    token = m.tokenAsync(bk, scope).toCompletableFuture()
                            .get(WAIT.plus(SLACK).toNanos(), TimeUnit.NANOSECONDS);
                } else if (op < 95) {
                    // An API call through withToken: a revoked token gets 403 and is re-sent once with a new one.
                    AccessToken[] used = new AccessToken[1];
                    String answer = m.withToken(bk, t -> {
                        used[0] = t;
                        return bank.revoked.contains(t.value()) ? "403" : "201";
                    }, "403"::equals);
                    stats.apiCalls.increment();
                    token = used[0];
                    check(stats, "withToken result", answer.equals("201") || answer.equals("403"), answer);
                } else if (op < 98) {
                    m.invalidate(Bkcode.of(bk));
                    continue;
                } else {
                    AccessToken t = m.token(bk);
                    m.invalidate(t);
                    token = t;
                }
                long now = System.nanoTime();
                stats.tokens.increment();
                Long drop = bank.dropAt.get(token.value());
                check(stats, "token known to the bank", drop != null, token.toString());
                // A token is never handed out to a call made at or after its drop point.
                check(stats, "no token past its drop point", drop == null || calledAt - drop < 0,
                        token + " " + (calledAt - (drop == null ? 0 : drop)) / 1_000_000 + " ms late");
                check(stats, "bounded call", op >= 80 && op < 95 || now - calledAt <= WAIT.plus(SLACK).toNanos(),
                        (now - calledAt) / 1_000_000 + " ms");
            } catch (BankTokenException e) {
                stats.errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                long took = System.nanoTime() - calledAt;
                check(stats, "bounded failure", took <= 2 * WAIT.plus(SLACK).toNanos(), took / 1_000_000 + " ms, " + e);
            } catch (java.util.concurrent.ExecutionException e) {
                check(stats, "typed async failure", e.getCause() instanceof BankTokenException, String.valueOf(e));
                stats.errors.computeIfAbsent("async " + e.getCause().getClass().getSimpleName(),
                        k -> new LongAdder()).increment();
            } catch (java.util.concurrent.TimeoutException e) {
                check(stats, "async call bounded by its wait", false, "tokenAsync did not complete in time");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                check(stats, "only typed errors reach callers", false, e.toString());
            }
            int perBankMax = m.states().stream().collect(java.util.stream.Collectors.groupingBy(TokenState::bank,
                    java.util.stream.Collectors.counting())).values().stream().mapToInt(Long::intValue).max().orElse(0);
            check(stats, "slots within the cap", perBankMax <= MAX_SCOPES, perBankMax + " slots");
        }
    }

    private static void rotations(TokenManager m, Random random, long until, Stats stats) {
        while (System.nanoTime() < until) {
            try {
                Thread.sleep(200 + random.nextInt(1500));
            } catch (InterruptedException e) {
                return;
            }
            m.invalidateAll();
            stats.rotations.increment();
        }
    }

    private static AccessToken recover(TokenManager m, String bk, String scope, long deadline) throws Exception {
        while (System.nanoTime() < deadline) {
            try {
                return m.token(bk, scope);
            } catch (BankTokenException e) {
                Thread.sleep(50);
            }
        }
        return null;
    }

    private static void check(Stats stats, String invariant, boolean holds, String detail) {
        if (!holds) {
            stats.violations.add(invariant + ": " + detail);
        }
    }

    /** What the run did, for the log and docs/testing.md. */
    private static final class Stats {
        final LongAdder tokens = new LongAdder();
        final LongAdder apiCalls = new LongAdder();
        final LongAdder rotations = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String toString() {
            return tokens.sum() + " tokens served, " + apiCalls.sum() + " API calls, " + rotations.sum()
                    + " rotations, errors " + errors + ", " + violations.size() + " violations";
        }
    }

    /**
     * The bank: answers after a random delay, or fails, garbles, hangs; revokes some tokens at the API. Knows each
     * token's drop point (from the time it saw the request) and how many requests are in flight per slot.
     */
    private static final class RandomBank implements BankHttp {

        final Map<String, Long> dropAt = new ConcurrentHashMap<>();
        final Set<String> revoked = ConcurrentHashMap.newKeySet();
        final AtomicInteger overlapping = new AtomicInteger();
        /** Per slot: until when its request is in flight (as the core sees it), on the nanoTime line. */
        final Map<String, AtomicLong> busyUntil = new ConcurrentHashMap<>();
        final AtomicLong issued = new AtomicLong();
        final ScheduledExecutorService answers = Executors.newScheduledThreadPool(2);
        final Random random;
        volatile boolean faults = true;

        RandomBank(long seed) {
            this.random = new Random(seed);
        }

        @Override
        public CompletableFuture<HttpReply> postForm(URI uri, String form) {
            String slot = uri.getPath().split("/")[1] + " " + scopeOf(form);
            AtomicLong busy = busyUntil.computeIfAbsent(slot, k -> new AtomicLong(Long.MIN_VALUE));
            long sent = System.nanoTime();
            if (busy.get() != Long.MIN_VALUE && sent - busy.get() < 0) {
                overlapping.incrementAndGet();
            }
            int roll;
            int latency;
            int lifetime;
            int retryAfter;
            synchronized (random) {
                roll = faults ? random.nextInt(100) : 99;
                latency = random.nextInt(300);
                lifetime = 2 + random.nextInt(5);
                retryAfter = random.nextInt(4);
            }
            CompletableFuture<HttpReply> reply = new CompletableFuture<>();
            if (roll < 3) {
                // Hangs: the core's bound on the attempt (700 ms) ends it; until then it is in flight.
                busy.set(sent + Duration.ofMillis(650).toNanos());
                return reply;
            }
            busy.set(Long.MAX_VALUE);
            HttpReply answer;
            if (roll < 9) {
                answer = new HttpReply(503, "application/json", "{\"error\":\"temporarily_unavailable\"}",
                        Integer.toString(retryAfter));
            } else if (roll < 13) {
                answer = new HttpReply(429, "application/json", "{}", "Fri, 31 Dec 9999 23:59:59 GMT");
            } else if (roll < 16) {
                answer = new HttpReply(200, "application/json", "{\"access_token\":");
            } else {
                String value = "r" + issued.incrementAndGet();
                long drop = sent + Duration.ofSeconds(lifetime).toNanos()
                        - Math.min(Duration.ofSeconds(15).toNanos(), Duration.ofSeconds(lifetime).toNanos() / 5);
                dropAt.put(value, drop);
                boolean revoke;
                synchronized (random) {
                    revoke = faults && random.nextInt(50) == 0;
                }
                if (revoke) {
                    revoked.add(value);
                }
                answer = FakeBank.ok(value, Integer.toString(lifetime), null);
            }
            answers.schedule(() -> {
                // Out of flight before the core hears the answer, so that its next request is not an overlap.
                busy.set(Long.MIN_VALUE);
                reply.complete(answer);
            }, latency, TimeUnit.MILLISECONDS);
            return reply;
        }

        private static String scopeOf(String form) {
            for (String pair : form.split("&")) {
                if (pair.startsWith("scope=")) {
                    return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
            return "?";
        }

        void close() {
            answers.shutdownNow();
        }
    }
}
