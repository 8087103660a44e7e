package io.psd2token.testbed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the {@link Testbed} once per test run, before Arquillian starts WildFly, and stops it at the end.
 * Register it before {@code ArquillianExtension} (see {@link WildFlyTest}).
 */
public final class TestbedExtension implements BeforeAllCallback {

    private static volatile Testbed current;

    @Override
    public void beforeAll(ExtensionContext context) {
        // -Dit.test=... reaches both failsafe executions: the cluster one skips the single-node tests.
        Assumptions.assumeFalse(ClusterTestbedExtension.clusterRun(), "a single-node test, skipped in the cluster run");
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(Running.class,
                key -> new Running(Testbed.start(Testbed.Options.fromSystemProperties(0, true))), Running.class);
    }

    /** The running testbed; only valid inside a {@link WildFlyTest}. */
    public static Testbed testbed() {
        if (current == null) {
            throw new IllegalStateException("no testbed: annotate the test class with @WildFlyTest");
        }
        return current;
    }

    /** Closed by JUnit when the whole run ends. */
    private static final class Running implements ExtensionContext.Store.CloseableResource {
        private final Testbed testbed;

        Running(Testbed testbed) {
            this.testbed = testbed;
            current = testbed;
        }

        @Override
        public void close() {
            current = null;
            testbed.close();
        }
    }
}
