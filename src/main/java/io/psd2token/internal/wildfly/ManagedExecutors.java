package io.psd2token.internal.wildfly;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * The two executors of the token manager, from the server where it provides them:
 * <ul>
 * <li>the <b>timer</b>: one thread of our own, made by the server's managed thread factory (so it carries the
 * application's context), that runs nothing but the token deadlines. Not the shared managed scheduled executor:
 * the application's own scheduled work must never delay the moment a token stops being served;</li>
 * <li>the <b>I/O executor</b>: the server's default managed executor, for request starts, answers, TLS diagnoses
 * and QWAC checks (token requests themselves hold no thread while the bank answers).</li>
 * </ul>
 * Outside a server (or where the names are not bound), daemon threads of our own stand in.
 */
public final class ManagedExecutors implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ManagedExecutors.class.getName());

    private final ScheduledExecutorService timer;
    private final ExecutorService io;
    private final boolean ownIo;

    /** Looks the server's executors up, or makes our own. */
    public ManagedExecutors() {
        ThreadFactory managed = lookup("java:comp/DefaultManagedThreadFactory", ThreadFactory.class);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ScheduledThreadPoolExecutor timerThread = new ScheduledThreadPoolExecutor(1, managed != null
                ? named(managed, "psd2-token-timer") : daemon("psd2-token-timer", loader));
        // A replaced or evicted token cancels its pending deadline: it must leave the queue then, not at its time.
        timerThread.setRemoveOnCancelPolicy(true);
        this.timer = timerThread;
        ExecutorService server = lookup("java:comp/DefaultManagedExecutorService", ExecutorService.class);
        if (server == null) {
            server = lookup("java:jboss/ee/concurrency/executor/default", ExecutorService.class);
        }
        this.ownIo = server == null;
        if (ownIo) {
            LOG.info("no managed executor found; psd2-token uses threads of its own for token requests");
            server = Executors.newCachedThreadPool(daemon("psd2-token-io", loader));
        }
        this.io = server;
    }

    /** @return the timer: one thread, deadlines only */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** @return the I/O executor */
    public ExecutorService io() {
        return io;
    }

    /** Stops the timer (and our own I/O threads); the server's executor is the server's. */
    @Override
    public void close() {
        timer.shutdownNow();
        if (ownIo) {
            io.shutdownNow();
        }
    }

    private static <T> T lookup(String name, Class<T> type) {
        try {
            Object found = new InitialContext().lookup(name);
            return type.isInstance(found) ? type.cast(found) : null;
        } catch (NamingException | RuntimeException e) {
            return null;
        }
    }

    private static ThreadFactory named(ThreadFactory managed, String name) {
        return task -> {
            Thread thread = managed.newThread(task);
            thread.setName(name);
            return thread;
        };
    }

    private static ThreadFactory daemon(String name, ClassLoader loader) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            thread.setContextClassLoader(loader);
            return thread;
        };
    }
}
