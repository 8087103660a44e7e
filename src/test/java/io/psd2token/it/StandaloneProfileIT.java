package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.ProfileServer;
import io.psd2token.testbed.TestPki;
import io.psd2token.testbed.TestbedExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The library on {@code standalone.xml}, the profile most servers run, which has no MicroProfile Health: a
 * second WildFly beside the Arquillian one, configured offline by server-config/configure.cli and
 * configure-simulator.cli, with the demo WAR deployed by the deployment scanner. Tokens over mutual TLS, the
 * MicroProfile Rest Client and an EJB (this profile has ejb3: no configure-ejb.cli), what health reports with and
 * without configure-health.cli, and the documented way to change one config-source value on a configured server.
 */
@ExtendWith(TestbedExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneProfileIT {

    /** {@code -Dpsd2.it.profile=standalone-ha.xml} (or another profile without MicroProfile Health) runs it there. */
    private static final String PROFILE = System.getProperty("psd2.it.profile", "standalone.xml");
    private static final String NAME = "psd2-standalone-it";
    /** HTTP on 8780, management on 10690: clear of the Arquillian server (100), the demo (200) and others. */
    private static final int PORT_OFFSET = 700;

    private ProfileServer server;
    private DemoClient demo;
    private DemoClient management;
    private BankSimulator bank;

    @BeforeAll
    void startServer() throws Exception {
        server = ProfileServer.configure(TestbedExtension.testbed(), PROFILE, PORT_OFFSET);
        server.startWith(Deployments.demoWar(NAME, Map.of()));
        demo = new DemoClient(new URL("http://127.0.0.1:" + server.httpPort() + "/" + NAME + "/"));
        management = new DemoClient(new URL("http://127.0.0.1:" + server.managementPort() + "/"));
        bank = TestbedExtension.testbed().simulator();
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void forgetTokens() {
        assertEquals(204, demo.delete("api/banks/13807/token").status());
    }

    @Test
    void tokensRestClientAndEjbWorkOverMutualTls() throws Exception {
        int issued = bank.tokensIssued("13807");
        DemoClient.Reply token = demo.get("api/banks/13807/token");
        assertEquals(200, token.status(), token.body());
        assertEquals("Bearer", token.field("tokenType"));
        assertEquals(issued + 1, bank.tokensIssued("13807"), "the simulator checked the QWAC and issued one token");
        assertEquals(qwacInKeyStore().getSerialNumber(), bank.lastClientCertificateSerial("13807").orElseThrow(),
                "the QWAC from the Elytron key-store");

        DemoClient.Reply viaEjb = demo.get("api/banks/13807/token?via=ejb");
        assertEquals(200, viaEjb.status(), viaEjb.body());
        assertEquals(token.field("fingerprint"), viaEjb.field("fingerprint"), "the EJB shares the cached token");

        int payments = bank.paymentRequests("13807");
        DemoClient.Reply payment = demo.post("api/banks/13807/payment-requests");
        assertEquals(201, payment.status(), payment.body());
        assertEquals(payments + 1, bank.paymentRequests("13807"), "MicroProfile Rest Client from the jaxrs subsystem");
    }

    @Test
    void withoutMicroProfileHealthReadinessIsUpWithoutTheLibrarysChecksAndConfigureHealthAddsThem() throws Exception {
        assertEquals(200, demo.get("api/banks/13807/token").status());
        assertBaseHealthOnly(management.get("health/ready"));
        String log = server.serverLog();
        for (String check : new String[] {"BankTokensReadiness", "QwacReadiness", "BankTokensLiveness"}) {
            assertTrue(log.contains("Failed to define class io.psd2token.health." + check), check);
        }
        assertTrue(log.contains("ClassNotFoundException: org.eclipse.microprofile.health.HealthCheck"));

        server.applyOnline("configure-health.cli");
        try {
            assertEquals(200, demo.get("api/banks/13807/token").status());
            DemoClient.Reply ready = management.get("health/ready");
            assertEquals(200, ready.status(), ready.body());
            assertTrue(ready.body().contains("\"psd2-token-banks\""), ready.body());
            assertTrue(ready.body().contains("\"13807.pisp.token\":\"FRESH\""), ready.body());
            assertTrue(ready.body().contains("\"organizationIdentifier\":\"PSDFR-ACPR-12345\""), ready.body());
            DemoClient.Reply live = management.get("health/live");
            assertTrue(live.body().contains("\"psd2-token\""), live.body());
        } finally {
            server.applyOnline("restore-health.cli");
        }
        assertEquals(404, management.get("health/ready").status(), "WildFly 39.0.1: after a reload, /health is gone");
        server.restart();
        assertBaseHealthOnly(management.get("health/ready"));
    }

    /** WildFly's base health subsystem answers with its own checks, in its own format, and nothing of ours. */
    private static void assertBaseHealthOnly(DemoClient.Reply ready) {
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.body().contains("\"name\" : \"server-state\""), ready.body());
        assertTrue(ready.body().contains("\"" + NAME + ".war\" : \"OK\""), ready.body());
        assertFalse(ready.body().contains("psd2-token"), "no MicroProfile Health, no library checks: " + ready.body());
    }

    @Test
    void configSourceValuesChangeWithMapPutAndAReloadAndTlsStaysAsItIs() throws Exception {
        String source = "/subsystem=microprofile-config-smallrye/config-source=psd2";
        // As docs/operations.md shows it: a client id the bank registered the TPP under, declared linked.
        server.runOnlineAndReload(
                source + ":map-put(name=properties, key=psd2.client-id, value=PSDFR-ACPR-99999)",
                source + ":map-put(name=properties, key=psd2.client-id-linked, value=true)");
        int requests = bank.tokenRequests("13807");
        DemoClient.Reply refused = demo.get("api/banks/13807/token");
        assertEquals(502, refused.status(), refused.body());
        assertTrue(refused.field("message").contains("invalid_client"),
                "the simulator expects the QWAC's organizationIdentifier, so the new id reached it: " + refused.body());
        assertEquals(requests + 1, bank.tokenRequests("13807"));

        // Back to the QWAC's id, and a template (braces, colons: quoted) moved to a path the bank does not serve.
        String template = serverProperty("psd2.token-endpoint-template");
        server.runOnlineAndReload(
                source + ":map-remove(name=properties, key=psd2.client-id)",
                source + ":map-remove(name=properties, key=psd2.client-id-linked)",
                source + ":map-put(name=properties, key=psd2.token-endpoint-template, value=\"" + template + "-moved\")");
        try {
            DemoClient.Reply moved = demo.get("api/banks/13807/token");
            assertEquals(502, moved.status(), moved.body());
            assertEquals("TokenRequestRejectedException", moved.field("error"), moved.body());
            assertTrue(moved.field("message").contains("404"), moved.body());
        } finally {
            server.runOnlineAndReload(
                    source + ":map-put(name=properties, key=psd2.token-endpoint-template, value=\"" + template + "\")");
        }
        assertEquals(200, demo.get("api/banks/13807/token").status(), "the QWAC's id and the original template");
        assertFalse(server.configurationXml().contains("psd2.client-id"));
    }

    /** The certificate in the QWAC key-store file now (QwacRotationIT may have replaced the testbed's first one). */
    private static X509Certificate qwacInKeyStore() throws Exception {
        TestPki pki = TestbedExtension.testbed().pki();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.qwacKeyStore())) {
            store.load(in, pki.password().toCharArray());
        }
        return (X509Certificate) store.getCertificate(TestPki.CLIENT_KEY_ALIAS);
    }

    private static String serverProperty(String key) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(TestbedExtension.testbed().serverProperties(), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p.getProperty(key);
    }
}
