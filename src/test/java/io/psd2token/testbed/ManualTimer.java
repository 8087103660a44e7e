package io.psd2token.testbed;

import io.psd2token.internal.token.TokenTimer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The token manager's timer and I/O executor, both run only when a test says so: timed tasks when their time has
 * come on a {@link TestClock} (optionally late, to play a timer that lags), handed-over work (request starts,
 * answers, refreshes) on {@link #runPending()}.
 */
public final class ManualTimer implements TokenTimer, Executor {

    private final TestClock clock;
    private final List<Timed> timed = new ArrayList<>();
    private final Deque<Runnable> immediate = new ArrayDeque<>();

    public ManualTimer(TestClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Cancel schedule(Runnable task, long delayNanos) {
        Timed scheduled = new Timed(clock.nanoTime() + delayNanos, task);
        timed.add(scheduled);
        return () -> {
            synchronized (this) {
                timed.remove(scheduled);
            }
        };
    }

    /** @return timed tasks waiting, whether due or not (cancelled ones leave at once, as with the real timer) */
    public synchronized int scheduled() {
        return timed.size();
    }

    @Override
    public synchronized void execute(Runnable task) {
        immediate.add(task);
    }

    /** Runs the work handed to the I/O executor, and what that work hands over in turn; returns how much ran. */
    public int runPending() {
        int n = 0;
        Runnable task;
        while ((task = poll()) != null) {
            task.run();
            n++;
        }
        return n;
    }

    /** Runs the timed tasks due by now, as a punctual timer would. */
    public int runDue() {
        return runDueLate(0);
    }

    /** Runs the timed tasks that were due at least {@code lateNanos} ago: a timer lagging that much. */
    public int runDueLate(long lateNanos) {
        int n = 0;
        while (true) {
            List<Runnable> due = new ArrayList<>();
            synchronized (this) {
                long now = clock.nanoTime();
                timed.removeIf(t -> {
                    if (now - lateNanos - t.dueNanos >= 0) {
                        due.add(t.task);
                        return true;
                    }
                    return false;
                });
            }
            if (due.isEmpty()) {
                return n;
            }
            due.forEach(Runnable::run);
            n += due.size();
        }
    }

    /** @return work handed to the I/O executor and not run yet */
    public synchronized int pending() {
        return immediate.size();
    }

    private synchronized Runnable poll() {
        return immediate.poll();
    }

    private record Timed(long dueNanos, Runnable task) {
    }
}
