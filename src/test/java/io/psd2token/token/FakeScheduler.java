package io.psd2token.token;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A {@link TokenScheduler} that runs nothing by itself: tests run due tasks when they say so, optionally
 * late, to play a scheduler that lags.
 */
final class FakeScheduler implements TokenScheduler {

    private final FakeClock clock;
    private final List<Timed> timed = new ArrayList<>();
    private final Deque<Runnable> immediate = new ArrayDeque<>();

    FakeScheduler(FakeClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        timed.add(new Timed(clock.nanoTime() + delayNanos, task));
    }

    @Override
    public synchronized void execute(Runnable task) {
        immediate.add(task);
    }

    /** Runs the tasks handed to {@link #execute}, e.g. background refreshes; returns how many ran. */
    int runPending() {
        int n = 0;
        Runnable task;
        while ((task = poll()) != null) {
            task.run();
            n++;
        }
        return n;
    }

    /** Runs the timed tasks due by now, as a punctual scheduler would. */
    int runDue() {
        return runDueLate(0);
    }

    /** Runs the timed tasks that were due at least {@code lateNanos} ago: a scheduler lagging that much. */
    int runDueLate(long lateNanos) {
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
        due.forEach(Runnable::run);
        return due.size();
    }

    synchronized int pending() {
        return immediate.size();
    }

    private synchronized Runnable poll() {
        return immediate.poll();
    }

    private record Timed(long dueNanos, Runnable task) {
    }
}
