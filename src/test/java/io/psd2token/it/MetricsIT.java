package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.Testbed;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Metrics as an operator gets them: server-config/configure-metrics.cli on the running server, the
 * application deployed, its token requests visible in the Prometheus scrape of the management interface,
 * and gone again once it is undeployed. The other tests run without the micrometer subsystem, which is the
 * case of a server that has no metrics: the library works the same there.
 */
@WildFlyTest
class MetricsIT {

    private static final int MANAGEMENT_PORT = 10090;
    private static final String NAME = "psd2-metrics-it";
    private static final String DEPLOYMENT_TAG = "WF_DEPLOYMENT=\"" + NAME + ".war\"";

    @ArquillianResource
    Deployer deployer;

    @Deployment(name = NAME, managed = false, testable = false)
    static WebArchive deployment() {
        Map<String, String> config = new HashMap<>(TestbedExtension.testbed().testBankConfig());
        return Deployments.demoWar(NAME, config);
    }

    @Test
    void tokenRequestsHitsLatencyAndStateAreScrapedAndRemovedOnUndeploy() throws Exception {
        Testbed testbed = TestbedExtension.testbed();
        testbed.applyOnline(MANAGEMENT_PORT, "configure-metrics.cli");
        boolean deployed = false;
        try {
            deployer.deploy(NAME);
            deployed = true;
            DemoClient demo = new DemoClient(new URL("http://127.0.0.1:8180/" + NAME + "/"));
            DemoClient management = new DemoClient(new URL("http://127.0.0.1:" + MANAGEMENT_PORT + "/"));
            for (int i = 0; i < 3; i++) {
                DemoClient.Reply payment = demo.post("api/banks/13807/payment-requests");
                assertEquals(201, payment.status(), payment.body());
            }

            // A rate limit on the API: counted, the refusal by the bank apart from the calls then held back.
            testbed.simulator().setFault("13807", BankSimulator.Fault.API_RATE_LIMITED_TMRQ, 1);
            assertEquals(429, demo.post("api/banks/13807/payment-requests").status());
            assertEquals(429, demo.post("api/banks/13807/payment-requests").status());

            String scrape = management.get("prometheus").body();
            String bank = "bank=\"13807\"";
            assertEquals(1.0, value(scrape, "psd2_api_rate_limited_total", bank, "by=\"bank\"").orElseThrow(), scrape);
            assertEquals(1.0, value(scrape, "psd2_api_rate_limited_total", bank, "by=\"held-back\"").orElseThrow());
            assertEquals(1.0, value(scrape, "psd2_token_requests_total", bank, "scope=\"pisp\"").orElseThrow(),
                    "one token request for three payments");
            assertTrue(value(scrape, "psd2_token_cache_hits_total", bank).orElseThrow() >= 2, scrape);
            assertEquals(0.0, value(scrape, "psd2_token_failures_total", bank).orElseThrow());
            assertTrue(value(scrape, "psd2_token_expires_in_seconds", bank).orElseThrow() > 0);
            assertEquals(0.0, value(scrape, "psd2_bank_circuit_open", bank).orElseThrow());
            assertEquals(1.0, value(scrape, "psd2_token_request_duration_seconds_count", bank,
                    "outcome=\"success\"").orElseThrow());
            assertEquals(1.0, value(scrape, "psd2_token_request_duration_buckets_total", bank, "le=\"+Inf\"")
                    .orElseThrow(), "the histogram's +Inf bucket counts every request");
            assertTrue(scrape.contains(DEPLOYMENT_TAG), "meters carry the deployment: " + scrape);
            for (String token : testbed.simulator().issuedTokenValues()) {
                assertFalse(scrape.contains(token), "a token value in the scrape");
            }

            deployer.undeploy(NAME);
            deployed = false;
            String after = management.get("prometheus").body();
            assertTrue(after.lines().noneMatch(l -> l.startsWith("psd2_") && l.contains(DEPLOYMENT_TAG)),
                    "the application's meters leave with it: " + after);
        } finally {
            if (deployed) {
                deployer.undeploy(NAME);
            }
            testbed.applyOnline(MANAGEMENT_PORT, "restore-metrics.cli");
        }
    }

    /** The value of the first sample of {@code metric} whose labels contain every one of {@code labels}. */
    private static Optional<Double> value(String scrape, String metric, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
        while (m.find()) {
            String found = m.group(1);
            if (List.of(labels).stream().allMatch(found::contains)) {
                return Optional.of(Double.parseDouble(m.group(2)));
            }
        }
        return Optional.empty();
    }
}
