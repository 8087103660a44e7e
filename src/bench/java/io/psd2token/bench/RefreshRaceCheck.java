package io.psd2token.bench;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Scope;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.token.TokenClock;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import io.psd2token.internal.token.TokenScheduler;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replays, step by step and without timing luck, the interleaving behind the second token request that the
 * back-to-back refresh storm sometimes counts for ours: a caller reads the stale token, is descheduled, and
 * resumes after the background refresh has installed its successor and left the slot; it then starts a
 * second background refresh, because {@code refreshInBackground} does not check that the token it saw is
 * still the current one.
 *
 * <p>Since the scheduler itself starts the refresh at the stale point, callers only take that path when the
 * refresh failed (or is overdue), so the replay first fails the scheduler's refresh once.
 *
 * <p>A hand-driven clock pauses that caller inside its clock read (the first thing {@code slowToken} does
 * after reading the token) and a hand-driven scheduler runs the refresh when told. Prints the number of
 * token requests across one refresh: 1 is single-flight, 2 is the race. Usage: {@code java -cp
 * target/bench/benchmarks.jar io.psd2token.bench.RefreshRaceCheck}.
 */
public final class RefreshRaceCheck {

    private RefreshRaceCheck() {
    }

    /** Runs the interleaving and prints the request count. */
    public static void main(String[] args) throws Exception {
        AtomicInteger requests = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean failNext = new java.util.concurrent.atomic.AtomicBoolean();
        BankHttp http = (uri, form) -> {
            int n = requests.incrementAndGet();
            return failNext.getAndSet(false) ? new HttpReply(503, "application/json", "{\"error\":\"busy\"}")
                    : new HttpReply(200, "application/json", "{\"access_token\":\"t" + n
                            + "\",\"token_type\":\"Bearer\",\"expires_in\":100}");
        };
        PausingClock clock = new PausingClock();
        ManualScheduler scheduler = new ManualScheduler();
        URI uri = URI.create("http://127.0.0.1/token");
        TokenPolicy policy = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24), Duration.ofSeconds(50),
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1));
        TokenManager manager = new TokenManager(bank -> new BankEndpoints(bank, uri, uri, Scope.PISP),
                Contenders.CLIENT_ID, http, clock, policy, JsonbBuilder.create(), scheduler);

        manager.token(Contenders.BKCODE); // request 1: the first token, fresh for 50 s, usable for 90 s
        clock.nanos = TimeUnit.SECONDS.toNanos(60); // stale now
        scheduler.runDue(clock.nanos); // the scheduler starts the refresh at the stale point...
        failNext.set(true);
        scheduler.runQueued(); // ...which fails (request 2), so callers check the clock and retry it
        clock.nanos += TimeUnit.SECONDS.toNanos(2); // past the failure back-off
        int beforeRace = requests.get();

        // Caller A reads the stale token and is paused in its clock read, before it looks at the slot.
        Thread a = new Thread(() -> manager.token(Contenders.BKCODE), "caller-A");
        clock.pause(a);
        a.start();
        clock.paused.await();

        // Caller B, meanwhile, starts the one background refresh, which completes: request 2.
        manager.token(Contenders.BKCODE);
        scheduler.runQueued();
        int afterRefresh = requests.get();

        // A resumes with the token it read before the refresh.
        clock.resume.countDown();
        a.join(TimeUnit.SECONDS.toMillis(10));
        scheduler.runQueued();
        int total = requests.get();
        System.out.println("token requests: " + total + " (" + beforeRace + " before the retried refresh, "
                + (afterRefresh - beforeRace) + " by the refresh, " + (total - afterRefresh)
                + " started afterwards by the paused caller)");
        System.out.println(total - afterRefresh == 0 ? "single-flight held"
                : "single-flight broken: a caller holding the old token started a second refresh");
    }

    /** A clock moved by hand that can hold one thread inside {@link #nanoTime()}. */
    private static final class PausingClock implements TokenClock {
        volatile long nanos;
        volatile Thread toPause;
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);

        void pause(Thread t) {
            toPause = t;
        }

        @Override
        public long nanoTime() {
            if (Thread.currentThread() == toPause) {
                toPause = null;
                paused.countDown();
                try {
                    resume.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return nanos;
        }

        @Override
        public Instant now() {
            return Instant.EPOCH.plusNanos(nanos);
        }
    }

    /** A scheduler that runs nothing until told. */
    private static final class ManualScheduler implements TokenScheduler {
        private final Queue<Runnable> queued = new ArrayDeque<>();
        private final Queue<long[]> dueTimes = new ArrayDeque<>();
        private final Queue<Runnable> delayed = new ArrayDeque<>();

        @Override
        public synchronized void schedule(Runnable task, long delayNanos) {
            delayed.add(task);
            dueTimes.add(new long[] {delayNanos});
        }

        @Override
        public synchronized void execute(Runnable task) {
            queued.add(task);
        }

        // Scheduled tasks are the ends of freshness; in this replay every one of them is due when asked.
        synchronized void runDue(long nowNanos) {
            while (!delayed.isEmpty()) {
                dueTimes.remove();
                delayed.remove().run();
            }
        }

        void runQueued() {
            Runnable next;
            while ((next = poll()) != null) {
                next.run();
            }
        }

        private synchronized Runnable poll() {
            return queued.poll();
        }
    }
}
