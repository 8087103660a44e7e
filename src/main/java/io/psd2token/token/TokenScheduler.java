package io.psd2token.token;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the token manager's deferred work: the state changes of cached tokens (fresh to stale to expired)
 * and background refreshes. In WildFly it wraps the managed scheduled executor; tests pass one they drive.
 */
public interface TokenScheduler extends Executor {

    /** Runs {@code task} after {@code delayNanos} (at once if not positive). */
    void schedule(Runnable task, long delayNanos);

    /** Wraps a JDK scheduled executor. */
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
