package io.psd2token.internal.wildfly;

import io.psd2token.error.ConfigurationException;
import io.psd2token.internal.cluster.SharedTokens;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.infinispan.Cache;
import org.infinispan.commons.util.CloseableIterator;

/**
 * The cluster's shared token state in an Infinispan cache of the server (a replicated cache, e.g. {@code tokens}
 * of the container {@code psd2} that {@code server-config/configure-cluster.cli} adds), found by its JNDI name.
 *
 * <p>Each operation is one cache call; values are plain strings, which the server's ProtoStream marshaller carries
 * without any application marshaller and whose conditional operations compare with {@code equals}. This is the only
 * class of the library that names an Infinispan type, and it is loaded only when {@code psd2.cluster.cache} is set:
 * an application that does not share tokens needs no Infinispan module.
 */
public final class InfinispanSharedTokens implements SharedTokens {

    /** What an application adds so that its deployment sees the Infinispan API (docs/cluster.md). */
    public static final String MODULES = "Dependencies: org.infinispan, org.infinispan.commons";

    private final String jndiName;
    private final Cache<String, String> cache;

    private InfinispanSharedTokens(String jndiName, Cache<String, String> cache) {
        this.jndiName = jndiName;
        this.cache = cache;
    }

    /**
     * Looks the cache up.
     *
     * @param jndiName e.g. {@code java:jboss/infinispan/cache/psd2/tokens}
     * @return the cache as the token core's shared state
     * @throws ConfigurationException saying what to fix when the name is not bound, not a cache, or the Infinispan
     *         API is not visible to the deployment
     */
    @SuppressWarnings("unchecked")
    public static SharedTokens lookup(String jndiName) {
        Object found;
        try {
            found = new InitialContext().lookup(jndiName);
        } catch (NamingException | RuntimeException e) {
            throw new ConfigurationException("psd2.cluster.cache=" + jndiName + ": the lookup failed ("
                    + e.getClass().getSimpleName() + "). Check that (1) server-config/configure-cluster.cli ran on this"
                    + " server, which runs an HA profile (standalone-ha.xml or standalone-microprofile-ha.xml), and was"
                    + " reloaded; (2) the application declares the cache as a resource-env-ref with this lookup-name"
                    + " (WEB-INF/web.xml, or a module of the EAR), which makes WildFly start it for the deployment;"
                    + " (3) the name is right: java:jboss/infinispan/cache/<container>/<cache>. Unset"
                    + " psd2.cluster.cache to run without sharing (docs/cluster.md)");
        }
        if (!(found instanceof Cache<?, ?> cache)) {
            throw new ConfigurationException("psd2.cluster.cache=" + jndiName + " names "
                    + (found == null ? "nothing" : "a " + found.getClass().getName()) + ", not an Infinispan cache:"
                    + " name a cache, e.g. java:jboss/infinispan/cache/psd2/tokens (docs/cluster.md)");
        }
        return new InfinispanSharedTokens(jndiName, (Cache<String, String>) cache);
    }

    @Override
    public String get(String key) {
        return cache.get(key);
    }

    @Override
    public boolean putIfAbsent(String key, String value, Duration lifespan) {
        return cache.putIfAbsent(key, value, millis(lifespan), TimeUnit.MILLISECONDS) == null;
    }

    @Override
    public boolean replace(String key, String expected, String value, Duration lifespan) {
        return cache.replace(key, expected, value, millis(lifespan), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean remove(String key, String expected) {
        return cache.remove(key, expected);
    }

    @Override
    public Map<String, String> entries(String prefix) {
        // A replicated cache holds every entry on every node: this iterates local memory.
        Map<String, String> found = new HashMap<>();
        try (CloseableIterator<Map.Entry<String, String>> it = cache.entrySet().iterator()) {
            while (it.hasNext()) {
                Map.Entry<String, String> e = it.next();
                if (e.getKey().startsWith(prefix)) {
                    found.put(e.getKey(), e.getValue());
                }
            }
        }
        return found;
    }

    @Override
    public String describe() {
        try {
            return "Infinispan cache " + jndiName + " (" + cache.getCacheConfiguration().clustering().cacheMode()
                    + ", members " + cache.getCacheManager().getMembers() + ")";
        } catch (RuntimeException e) {
            return "Infinispan cache " + jndiName;
        }
    }

    @Override
    public String toString() {
        return "InfinispanSharedTokens[" + jndiName + "]";
    }

    private static long millis(Duration lifespan) {
        return Math.max(1, lifespan.toMillis());
    }
}
