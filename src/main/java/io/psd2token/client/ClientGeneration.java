package io.psd2token.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One generation of MP Rest Clients (per bank and interface), swapped as a whole when the QWAC rotates. A call
 * leases the generation it uses; a retired generation closes its clients only when its last call has ended, so
 * no call ever runs on a closed client and no client built during a swap is left unclosed.
 *
 * @param <K> the client's key
 */
final class ClientGeneration<K> {

    private final Map<K, Object> clients = new ConcurrentHashMap<>();
    private final AtomicInteger inUse = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<Object> close;
    private volatile boolean retired;

    ClientGeneration(Consumer<Object> close) {
        this.close = close;
    }

    /** Takes a lease on this generation; false if it is retired (take the current one instead). */
    boolean acquire() {
        inUse.incrementAndGet();
        if (retired) {
            release();
            return false;
        }
        return true;
    }

    /** The client of {@code key}, built on first use; only while a lease is held. */
    Object client(K key, Function<K, Object> build) {
        return clients.computeIfAbsent(key, build);
    }

    void release() {
        if (inUse.decrementAndGet() == 0 && retired) {
            closeOnce();
        }
    }

    /** No new leases; the clients close once the calls in progress have ended. */
    void retire() {
        retired = true;
        if (inUse.get() == 0) {
            closeOnce();
        }
    }

    /** @return whether its clients have been closed */
    boolean isClosed() {
        return closed.get();
    }

    private void closeOnce() {
        if (closed.compareAndSet(false, true)) {
            clients.values().forEach(close);
        }
    }
}
