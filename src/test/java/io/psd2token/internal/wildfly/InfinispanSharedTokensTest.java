package io.psd2token.internal.wildfly;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.ConfigurationException;
import org.junit.jupiter.api.Test;

/**
 * The lookup of the cluster's cache when it cannot succeed (here: no server at all): a start-up problem that says
 * what to fix, never a silent fallback to a single node. The cache operations themselves run in
 * {@code ClusterSharingIT}, on the server's Infinispan.
 */
class InfinispanSharedTokensTest {

    @Test
    void aNameThatCannotBeLookedUpIsAConfigurationProblemSayingWhatToCheck() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> InfinispanSharedTokens.lookup("java:jboss/infinispan/cache/psd2/tokens"));
        String message = e.getMessage();
        assertTrue(message.contains("psd2.cluster.cache=java:jboss/infinispan/cache/psd2/tokens"), message);
        assertTrue(message.contains("configure-cluster.cli"), message);
        assertTrue(message.contains("resource-env-ref"), message);
        assertTrue(message.contains("docs/cluster.md"), message);
    }
}
