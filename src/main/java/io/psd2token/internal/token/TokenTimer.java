package io.psd2token.internal.token;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the token manager's timer duties: the stale point, the fast-path end and the drop point of each token,
 * and the bound on each attempt. Its tasks only flip flags, complete futures or hand work to the I/O executor:
 * they never wait for a bank, so a slow bank cannot delay the moment another bank's token stops being served.
 */
@FunctionalInterface
public interface TokenTimer {

    /**
     * Runs {@code task} after {@code delayNanos} (at once if not positive).
     *
     * @param task a task that does not block
     * @param delayNanos the delay in nanoseconds of the {@link io.psd2token.token.TokenClock#nanoTime()} time line
     * @return how to cancel the task if it has not run yet
     * @throws java.util.concurrent.RejectedExecutionException when the timer has been shut down
     */
    Cancel schedule(Runnable task, long delayNanos);

    /** Cancels a scheduled task that has not run yet; a no-op once it has. */
    @FunctionalInterface
    interface Cancel {
        /** A handle with nothing to cancel. */
        Cancel NONE = () -> { };

        /** Cancels the task if it has not run, and lets the timer forget it. */
        void cancel();
    }

    /**
     * Wraps a JDK scheduled executor.
     *
     * @param executor a scheduler that runs nothing but timer duties, ideally one thread of its own; a
     *        {@code ScheduledThreadPoolExecutor} should remove cancelled tasks at once
     *        ({@code setRemoveOnCancelPolicy(true)}), so that a replaced token does not wait in its queue
     * @return a timer delegating to {@code executor}; shutting the executor down is the caller's job
     */
    static TokenTimer of(ScheduledExecutorService executor) {
        return (task, delayNanos) -> {
            ScheduledFuture<?> scheduled = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> scheduled.cancel(false);
        };
    }
}
