package io.psd2token.internal.token;

import java.util.concurrent.ScheduledExecutorService;
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
     * @throws java.util.concurrent.RejectedExecutionException when the timer has been shut down
     */
    void schedule(Runnable task, long delayNanos);

    /**
     * Wraps a JDK scheduled executor.
     *
     * @param executor a scheduler that runs nothing but timer duties, ideally one thread of its own
     * @return a timer delegating to {@code executor}; shutting the executor down is the caller's job
     */
    static TokenTimer of(ScheduledExecutorService executor) {
        return (task, delayNanos) -> executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }
}
