package io.psd2token.token;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the token manager's deferred work: the state changes of cached tokens (fresh to stale to expired)
 * and background refreshes. In WildFly it wraps the managed scheduled executor; tests pass one they drive.
 */
public interface TokenScheduler extends Executor {

    /**
     * Runs {@code task} after {@code delayNanos} (at once if not positive).
     *
     * @param task the work to run; it must not block for long, since it may share a thread with other tasks
     * @param delayNanos the delay in nanoseconds of the {@link TokenClock#nanoTime()} time line
     */
    void schedule(Runnable task, long delayNanos);

    /**
     * Wraps a JDK scheduled executor.
     *
     * @param executor the executor that runs every task, e.g. the server's managed scheduled executor
     * @return a scheduler delegating to {@code executor}; shutting the executor down is the caller's job
     */
    static TokenScheduler of(ScheduledExecutorService executor) {
        return new TokenScheduler() {
            @Override
            public void schedule(Runnable task, long delayNanos) {
                executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            }

            @Override
            public void execute(Runnable task) {
                executor.execute(task);
            }
        };
    }
}
