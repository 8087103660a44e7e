package io.psd2token.internal.cluster;

import java.time.Duration;
import java.util.Map;

/**
 * The state the nodes of a cluster share: a map of strings that every node reads locally and writes for all, each
 * entry forgotten when its lifespan ends. The token core keeps one entry per (bank, scope) holding the current
 * token, and a short-lived lease entry naming the node that is fetching its successor.
 *
 * <p>Conditional operations compare values with {@link String#equals}: that is what makes "evict exactly this
 * token" possible without a lock. Every operation may throw a {@link RuntimeException} when the cluster cannot
 * answer (a timeout towards a hung node, a cache being stopped); the core then behaves as a single node.
 * Implementations must never show a value in an exception message, a log line or {@link Object#toString()}.
 */
public interface SharedTokens {

    /** Shares nothing: every read finds nothing, every write is refused. Today's single-node behaviour. */
    SharedTokens LOCAL = new SharedTokens() {
        @Override
        public String get(String key) {
            return null;
        }

        @Override
        public boolean putIfAbsent(String key, String value, Duration lifespan) {
            return false;
        }

        @Override
        public boolean replace(String key, String expected, String value, Duration lifespan) {
            return false;
        }

        @Override
        public boolean remove(String key, String expected) {
            return false;
        }

        @Override
        public Map<String, String> entries(String prefix) {
            return Map.of();
        }

        @Override
        public String describe() {
            return "local";
        }

        @Override
        public String toString() {
            return "SharedTokens.LOCAL";
        }
    };

    /**
     * @param key the entry's key
     * @return the value, or {@code null} when there is none or its lifespan has ended
     */
    String get(String key);

    /**
     * Writes the entry if there is none.
     *
     * @param key the entry's key
     * @param value the value
     * @param lifespan how long the cluster keeps it; positive
     * @return true if this call wrote it
     */
    boolean putIfAbsent(String key, String value, Duration lifespan);

    /**
     * Replaces the entry if it still holds {@code expected}.
     *
     * @param key the entry's key
     * @param expected the value the caller read
     * @param value the new value
     * @param lifespan how long the cluster keeps the new value; positive
     * @return true if this call replaced it
     */
    boolean replace(String key, String expected, String value, Duration lifespan);

    /**
     * Removes the entry if it still holds {@code expected}: never a value written since the caller read it.
     *
     * @param key the entry's key
     * @param expected the value to remove
     * @return true if this call removed it
     */
    boolean remove(String key, String expected);

    /**
     * The live entries whose key starts with {@code prefix}, as this node sees them now.
     *
     * @param prefix a key prefix
     * @return a snapshot; empty when there are none
     */
    Map<String, String> entries(String prefix);

    /**
     * One line for the start-up log and for operators: what the state is shared through, never a value.
     *
     * @return e.g. {@code "Infinispan cache java:jboss/infinispan/cache/psd2/tokens (REPL_SYNC, members [a, b])"}
     */
    String describe();
}
