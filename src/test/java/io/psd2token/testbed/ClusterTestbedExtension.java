package io.psd2token.testbed;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the testbed for the cluster tests once per run — PKI, simulator, and the cluster nodes' configuration
 * ({@link ClusterNodes}) — before Arquillian can start a node, and stops it at the end. See {@link ClusterTest}.
 */
public final class ClusterTestbedExtension implements BeforeAllCallback {

    private static volatile Running current;

    /** Whether this JVM runs the cluster suite (the build's second failsafe execution). */
    static boolean clusterRun() {
        return "arquillian-cluster.xml".equals(System.getProperty("arquillian.xml"));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // -Dit.test=... reaches both failsafe executions: the single-node one skips the cluster tests.
        Assumptions.assumeTrue(clusterRun(), "a cluster test, run in the cluster execution only");
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(Running.class, key -> {
            Testbed testbed = Testbed.startWithoutServer(Testbed.Options.fromSystemProperties(0, false));
            try {
                String dir = System.getProperty("psd2.cluster.dir");
                if (dir == null) {
                    throw new IllegalStateException("system property psd2.cluster.dir is not set; run through Maven");
                }
                return new Running(testbed, ClusterNodes.prepare(testbed, Path.of(dir).toAbsolutePath()));
            } catch (RuntimeException e) {
                testbed.close();
                throw e;
            }
        }, Running.class);
    }

    /** The running testbed; only valid inside a {@link ClusterTest}. */
    public static Testbed testbed() {
        return running().testbed;
    }

    /** The cluster's nodes; only valid inside a {@link ClusterTest}. */
    public static ClusterNodes nodes() {
        return running().nodes;
    }

    private static Running running() {
        Running r = current;
        if (r == null) {
            throw new IllegalStateException("no cluster testbed: annotate the test class with @ClusterTest");
        }
        return r;
    }

    /** Closed by JUnit when the whole run ends. */
    private static final class Running implements ExtensionContext.Store.CloseableResource {
        private final Testbed testbed;
        private final ClusterNodes nodes;

        Running(Testbed testbed, ClusterNodes nodes) {
            this.testbed = testbed;
            this.nodes = nodes;
            current = this;
        }

        @Override
        public void close() {
            current = null;
            nodes.close();
            testbed.close();
        }
    }
}
