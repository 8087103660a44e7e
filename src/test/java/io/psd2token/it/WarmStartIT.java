package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BankSimulator.Fault;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tokens fetched at deployment ({@code psd2.warm-up}) on a real WildFly: requested before any call, so the first
 * call sends nothing; a bank that is down at deployment neither blocks nor fails it, is logged once, makes
 * readiness DOWN (with {@code psd2.readiness.requires-warm-tokens}) while liveness stays UP, and its token arrives
 * when the bank is back.
 */
@WildFlyTest
class WarmStartIT {

    private static final String WARM = "13135";
    private static final String WARM_OTHER_SCOPE = "13335";
    private static final String DOWN_AT_DEPLOYMENT = "13485";
    private static final String WARNING = "bank " + DOWN_AT_DEPLOYMENT
            + ", scope pisp: the token to keep warm could not be fetched";

    @Deployment(testable = false)
    static WebArchive deployment() {
        // Down before the application starts: its warm-up must not wait for it, nor fail.
        TestbedExtension.testbed().simulator().setFault(DOWN_AT_DEPLOYMENT, Fault.INTERNAL_SERVER_ERROR);
        Map<String, String> config = new HashMap<>(TestbedExtension.testbed().testBankConfig());
        config.put("psd2.warm-up", WARM + "," + WARM_OTHER_SCOPE + ":aisp," + DOWN_AT_DEPLOYMENT);
        config.put("psd2.readiness.requires-warm-tokens", "true");
        config.put("psd2.retry.max-attempts", "1");
        return Deployments.demoWar("psd2-warm-it", config);
    }

    @ArquillianResource
    URL url;

    private DemoClient demo;
    private DemoClient management;
    private BankSimulator bank;

    @BeforeEach
    void connect() throws IOException {
        demo = new DemoClient(url);
        management = new DemoClient(new URL("http://127.0.0.1:10090/"));
        bank = TestbedExtension.testbed().simulator();
    }

    @Test
    void warmTokensAreRequestedBeforeAnyCallAndTheFirstCallSendsNothing() {
        // No call of the application has been made: whatever reached the bank, the deployment sent.
        await(() -> bank.tokensIssued(WARM) >= 1 && bank.tokensIssued(WARM_OTHER_SCOPE) >= 1, "the warm tokens");
        int requests = bank.tokenRequests(WARM);
        DemoClient.Reply first = demo.get("api/banks/" + WARM + "/token");
        assertEquals(200, first.status(), first.body());
        DemoClient.Reply aisp = demo.get("api/banks/" + WARM_OTHER_SCOPE + "/token?scope=aisp");
        assertEquals(200, aisp.status(), aisp.body());
        assertEquals("aisp", aisp.field("scope"));
        assertEquals(requests, bank.tokenRequests(WARM), "the first call got the warm token");
        assertEquals(1, bank.tokensIssued(WARM_OTHER_SCOPE));
    }

    @Test
    void aBankDownAtDeploymentIsReportedByReadinessAndItsTokenArrivesWhenItIsBack() throws IOException {
        await(() -> bank.tokenRequests(DOWN_AT_DEPLOYMENT) >= 2, "a retry with back-off");
        await(() -> bank.tokensIssued(WARM) >= 1 && bank.tokensIssued(WARM_OTHER_SCOPE) >= 1, "the healthy banks");
        DemoClient.Reply ready = management.get("health/ready");
        assertEquals(503, ready.status(), ready.body());
        assertTrue(ready.body().contains("\"warm-tokens-missing\":\"" + DOWN_AT_DEPLOYMENT + ":pisp\""), ready.body());
        DemoClient.Reply live = management.get("health/live");
        assertEquals(200, live.status(), "a bank never makes the application dead: " + live.body());
        assertEquals(1, occurrences(serverLog(), WARNING), "one line per bank that could not be warmed, not one per try");

        bank.clearFault(DOWN_AT_DEPLOYMENT);
        await(() -> bank.tokensIssued(DOWN_AT_DEPLOYMENT) >= 1, "the token once the bank is back");
        await(() -> management.get("health/ready").status() == 200, "readiness UP");
        assertFalse(management.get("health/ready").body().contains("warm-tokens-missing"));
        int requests = bank.tokenRequests(DOWN_AT_DEPLOYMENT);
        assertEquals(200, demo.get("api/banks/" + DOWN_AT_DEPLOYMENT + "/token").status());
        assertEquals(requests, bank.tokenRequests(DOWN_AT_DEPLOYMENT));
    }

    /** Waits, bounded, for something the deployment does in the background. */
    private static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - end < 0, "waited 60 s for " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The server log since this deployment started (the file outlives server restarts). */
    private static String serverLog() throws IOException {
        Path log = TestbedExtension.testbed().options().jbossHome().resolve("standalone/log/server.log");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        int start = text.lastIndexOf("Starting deployment of \"psd2-warm-it.war\"");
        assertTrue(start >= 0, "the deployment is in the server log");
        return text.substring(start);
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }
}
