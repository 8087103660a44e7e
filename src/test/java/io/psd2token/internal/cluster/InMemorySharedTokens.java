package io.psd2token.internal.cluster;

import io.psd2token.token.TokenClock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster's map played in memory for the core's tests: every "node" (token manager) of a test shares one
 * instance, lifespans run on the test's clock, and the test can make it fail as a hung cluster would, or write
 * into it as a rogue node would. Operations are atomic (one monitor), like a replicated cache's conditional ones.
 */
public final class InMemorySharedTokens implements SharedTokens {

    private final TokenClock clock;
    private final Map<String, Entry> entries = new TreeMap<>();
    /** Writes that reached the map (put-if-absent, replace, remove), successful or not. */
    public final AtomicInteger writes = new AtomicInteger();
    private volatile boolean failing;

    private record Entry(String value, long expiresNanos) {
    }

    public InMemorySharedTokens(TokenClock clock) {
        this.clock = clock;
    }

    /** From now on every operation throws, as towards a hung node (with an Infinispan-like message). */
    public void fail(boolean fail) {
        this.failing = fail;
    }

    /** Writes a value unconditionally, as a rogue or buggy node could. */
    public synchronized void rawPut(String key, String value, Duration lifespan) {
        entries.put(key, new Entry(value, clock.nanoTime() + lifespan.toNanos()));
    }

    /** The live keys, for assertions. */
    public synchronized Map<String, String> snapshot() {
        return entries("");
    }

    @Override
    public synchronized String get(String key) {
        check();
        Entry e = live(key);
        return e == null ? null : e.value();
    }

    @Override
    public synchronized boolean putIfAbsent(String key, String value, Duration lifespan) {
        check();
        writes.incrementAndGet();
        if (live(key) != null) {
            return false;
        }
        entries.put(key, new Entry(value, clock.nanoTime() + lifespan.toNanos()));
        return true;
    }

    @Override
    public synchronized boolean replace(String key, String expected, String value, Duration lifespan) {
        check();
        writes.incrementAndGet();
        Entry e = live(key);
        if (e == null || !e.value().equals(expected)) {
            return false;
        }
        entries.put(key, new Entry(value, clock.nanoTime() + lifespan.toNanos()));
        return true;
    }

    @Override
    public synchronized boolean remove(String key, String expected) {
        check();
        writes.incrementAndGet();
        Entry e = live(key);
        if (e == null || !e.value().equals(expected)) {
            return false;
        }
        entries.remove(key);
        return true;
    }

    @Override
    public synchronized Map<String, String> entries(String prefix) {
        check();
        Map<String, String> found = new TreeMap<>();
        for (String key : entries.keySet().toArray(String[]::new)) {
            Entry e = live(key);
            if (e != null && key.startsWith(prefix)) {
                found.put(key, e.value());
            }
        }
        return found;
    }

    @Override
    public String describe() {
        return "in-memory test map";
    }

    @Override
    public String toString() {
        return "InMemorySharedTokens[" + entries.size() + " entries]";
    }

    private Entry live(String key) {
        Entry e = entries.get(key);
        if (e != null && clock.nanoTime() - e.expiresNanos() >= 0) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    private void check() {
        if (failing) {
            throw new IllegalStateException("ISPN000476: Timed out waiting for responses for request 15 from node-2");
        }
    }
}
