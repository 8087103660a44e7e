package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.TestBanks;
import io.psd2token.testbed.WildFlyTest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Bad configuration fails the deployment when the application starts, with one report naming every
 * problem — not at the first payment.
 */
@WildFlyTest
class StartupValidationIT {

    @ArquillianResource
    Deployer deployer;

    @Deployment(name = "bad-config", managed = false, testable = false)
    static WebArchive badConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("psd2.expiry-margin", "soon");
        config.put("psd2.retry.max-attempts", "zero");
        config.put("psd2.bank.13807.api-base", "http://insecure.example/stet/psd2/v1");
        config.put("psd2.bank.17515.enabled", "maybe");
        config.put("psd2.metrics.cache-hits", "sometimes");
        return Deployments.demoWar("psd2-bad-config", config);
    }

    @Deployment(name = "wrong-client-id", managed = false, testable = false)
    static WebArchive wrongClientId() {
        Map<String, String> config = new LinkedHashMap<>();
        // Above the server-level source (250), as an operator's override would be.
        config.put("config_ordinal", "300");
        config.put("psd2.client-id", "PSDFR-ACPR-99999");
        return Deployments.demoWar("psd2-wrong-client-id", config);
    }

    @Deployment(name = "two-qwacs", managed = false, testable = false)
    static WebArchive twoQwacs() {
        Map<String, String> config = new LinkedHashMap<>();
        // The test routes send this bank's host and path to another TPP's QWAC.
        config.put("psd2.banks.extra", TestBanks.OTHER_TPP_QWAC);
        return Deployments.demoWar("psd2-two-qwacs", config);
    }

    @Test
    void aBankRoutedToTheQwacOfAnotherTppFailsTheDeploymentSayingWhichAndWhy() {
        Exception e = assertThrows(Exception.class, () -> deployer.deploy("two-qwacs"));
        String report = fullMessage(e);
        assertTrue(report.contains("bank " + TestBanks.OTHER_TPP_QWAC + " (and any bank routed like it) is given"
                + " another QWAC by the Elytron match rules"), report);
        assertTrue(report.contains(TestBanks.OTHER_TPP), report);
        assertTrue(report.contains("PSDFR-ACPR-12345"), "the probe bank's identity: " + report);
    }

    @Test
    void everyConfigurationProblemIsReportedAtOnceAndTheDeploymentFails() {
        Exception e = assertThrows(Exception.class, () -> deployer.deploy("bad-config"));
        String report = fullMessage(e);
        assertTrue(report.contains("psd2.expiry-margin"), report);
        assertTrue(report.contains("psd2.retry.max-attempts"), report);
        assertTrue(report.contains("psd2.bank.13807.api-base"), report);
        assertTrue(report.contains("psd2.bank.17515.enabled"), "bank directory keys join the report: " + report);
        assertTrue(report.contains("psd2.metrics.cache-hits"), report);
        assertTrue(report.contains("5 problems"), report);
    }

    @Test
    void clientIdThatIsNotTheQwacsOrganizationIdentifierFailsTheDeployment() {
        Exception e = assertThrows(Exception.class, () -> deployer.deploy("wrong-client-id"));
        String report = fullMessage(e);
        assertTrue(report.contains("PSDFR-ACPR-99999") && report.contains("PSDFR-ACPR-12345"), report);
        assertTrue(report.contains("psd2.client-id-linked"), report);
    }

    private static String fullMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
