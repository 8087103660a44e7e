package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.Testbed;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import java.math.BigInteger;
import java.net.URL;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * QWAC rotation without redeploy: the operator replaces the key-store file and reloads it with jboss-cli;
 * the application notices, drops the tokens obtained with the old certificate, and its next token request
 * presents the new one.
 */
@WildFlyTest
class QwacRotationIT {

    private static final int MANAGEMENT_PORT = 10090;

    @Deployment(testable = false)
    static WebArchive deployment() {
        Map<String, String> config = new HashMap<>(TestbedExtension.testbed().testBankConfig());
        // Checked every second here, so the test does not wait the default 5 minutes.
        config.put("psd2.identity.check-interval", "1s");
        return Deployments.demoWar("psd2-rotation-it", config);
    }

    @ArquillianResource
    URL url;

    @Test
    void afterARotationNewTokenRequestsPresentTheNewQwacAndOldTokensAreDropped() throws Exception {
        Testbed testbed = TestbedExtension.testbed();
        BankSimulator bank = testbed.simulator();
        DemoClient demo = new DemoClient(url);
        DemoClient management = new DemoClient(new URL("http://127.0.0.1:" + MANAGEMENT_PORT + "/"));
        assertEquals(204, demo.delete("api/banks/13807/token").status());
        String before = demo.get("api/banks/13807/token").field("fingerprint");
        BigInteger oldSerial = bank.lastClientCertificateSerial("13807").orElseThrow();

        X509Certificate renewed = testbed.rotateQwac(MANAGEMENT_PORT);
        String newSerial = renewed.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        assertNotEquals(oldSerial, renewed.getSerialNumber());

        // The application checks the presented certificate every second (bounded wait, not a sleep).
        long deadline = System.nanoTime() + 30_000_000_000L;
        String health = "";
        while (System.nanoTime() < deadline && !health.contains(newSerial)) {
            health = management.get("health/ready").body();
            Thread.onSpinWait();
        }
        assertTrue(health.contains(newSerial), "health shows the new QWAC: " + health);

        String after = demo.get("api/banks/13807/token").field("fingerprint");
        assertNotEquals(before, after, "the token obtained with the old QWAC was dropped");
        assertEquals(renewed.getSerialNumber(), bank.lastClientCertificateSerial("13807").orElseThrow(),
                "the new token request presented the new QWAC");
        DemoClient.Reply payment = demo.post("api/banks/13807/payment-requests");
        assertEquals(201, payment.status(), payment.body());
    }
}
