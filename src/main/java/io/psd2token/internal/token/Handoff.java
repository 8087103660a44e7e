package io.psd2token.internal.token;

import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands work to the I/O executor. Used where a timer task or an HTTP client thread must not run the library's
 * work itself: the timer only flips flags, the HTTP client's threads only deliver answers.
 */
final class Handoff {

    private static final Logger LOG = Logger.getLogger(Handoff.class.getName());

    private final Executor io;

    Handoff(Executor io) {
        this.io = io;
    }

    /** Runs {@code task} on the I/O executor; if it refuses (the application is stopping), here. */
    void orRun(Runnable task) {
        try {
            io.execute(task);
        } catch (RuntimeException e) {
            task.run();
        }
    }

    /** Runs {@code task} on the I/O executor; if it refuses, not at all. */
    void orDrop(Runnable task) {
        try {
            io.execute(task);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the I/O executor refused work; is the application stopping?", e);
        }
    }

    /** Runs {@code task} on the I/O executor; if it refuses, runs {@code refused} instead. */
    void orElse(Runnable task, java.util.function.Consumer<RuntimeException> refused) {
        try {
            io.execute(task);
        } catch (RuntimeException e) {
            refused.accept(e);
        }
    }
}
