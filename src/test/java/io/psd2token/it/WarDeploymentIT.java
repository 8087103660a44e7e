package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.TestBanks;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import java.net.URL;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo WAR on a real WildFly: tokens over real mutual TLS from the simulator, with the QWAC and trust
 * taken from the server's Elytron configuration, injected into a JAX-RS resource and a stateless EJB.
 */
@WildFlyTest
class WarDeploymentIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.demoWar("psd2-demo-it", TestbedExtension.testbed().testBankConfig());
    }

    @ArquillianResource
    URL url;

    private DemoClient demo;
    private BankSimulator bank;

    @BeforeEach
    void forgetTokens() {
        demo = new DemoClient(url);
        bank = TestbedExtension.testbed().simulator();
        // Each test starts with no cached token, so request counts mean what they say.
        for (String bk : new String[] {"13807", "17515"}) {
            assertEquals(204, demo.delete("api/banks/" + bk + "/token").status());
        }
    }

    @AfterEach
    void resetFaults() {
        bank.setTokenType(TestBanks.MAC_TOKENS, BankSimulator.DEFAULT_TOKEN_TYPE);
    }

    @Test
    void jaxRsResourceGetsATokenOverMutualTls() {
        int before = bank.tokensIssued("13807");
        DemoClient.Reply reply = demo.get("api/banks/13807/token");
        assertEquals(200, reply.status(), reply.body());
        assertEquals("13807", reply.field("bank"));
        assertEquals("Bearer", reply.field("tokenType"));
        assertEquals("pisp", reply.field("scope"));
        assertEquals(before + 1, bank.tokensIssued("13807"));
    }

    @Test
    void twoCallsToOneBankSendOneTokenRequest() {
        int before = bank.tokenRequests("13807");
        String first = demo.get("api/banks/13807/token").field("fingerprint");
        String second = demo.get("api/banks/13807/token").field("fingerprint");
        assertEquals(first, second);
        assertEquals(before + 1, bank.tokenRequests("13807"));
    }

    @Test
    void statelessEjbSharesTheApplicationScopedTokens() {
        String viaResource = demo.get("api/banks/13807/token").field("fingerprint");
        int before = bank.tokenRequests("13807");
        DemoClient.Reply viaEjb = demo.get("api/banks/13807/token?via=ejb");
        assertEquals(200, viaEjb.status(), viaEjb.body());
        assertEquals(viaResource, viaEjb.field("fingerprint"));
        assertEquals(before, bank.tokenRequests("13807"));
    }

    @Test
    void twoBanksGiveTwoTokens() {
        int bpgo = bank.tokenRequests("13807");
        int ceidf = bank.tokenRequests("17515");
        String a = demo.get("api/banks/13807/token").field("fingerprint");
        String b = demo.get("api/banks/17515/token").field("fingerprint");
        assertNotEquals(a, b);
        assertEquals(bpgo + 1, bank.tokenRequests("13807"));
        assertEquals(ceidf + 1, bank.tokenRequests("17515"));
    }

    @Test
    void paymentRequestGoesThroughRestClientWithTheBearerToken() {
        int payments = bank.paymentRequests("17515");
        int rejected = bank.invalidTokenResponses("17515");
        DemoClient.Reply reply = demo.post("api/banks/17515/payment-requests");
        assertEquals(201, reply.status(), reply.body());
        assertEquals(201, reply.json().getInt("status"));
        assertTrue(reply.field("body").contains("paymentRequestResourceId"), reply.body());
        assertEquals(payments + 1, bank.paymentRequests("17515"));
        assertEquals(rejected, bank.invalidTokenResponses("17515"));
    }

    @Test
    void restClientRecoversFromInvalidTokenWithOneExtraTokenRequest() {
        assertEquals(201, demo.post("api/banks/17515/payment-requests").status());
        bank.revokeTokens("17515");
        int tokenRequests = bank.tokenRequests("17515");
        int rejected = bank.invalidTokenResponses("17515");
        DemoClient.Reply reply = demo.post("api/banks/17515/payment-requests");
        assertEquals(201, reply.status(), reply.body());
        assertEquals(tokenRequests + 1, bank.tokenRequests("17515"), "exactly one extra token request");
        assertEquals(rejected + 1, bank.invalidTokenResponses("17515"), "the bank did reject the old token once");
    }

    @Test
    void shortLivedTokensNeverLetAnInvalidTokenReachTheCaller() {
        bank.setTokenLifetime(Duration.ofSeconds(3));
        try {
            assertEquals(204, demo.delete("api/banks/13807/token").status());
            int tokenRequests = bank.tokenRequests("13807");
            long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            int calls = 0;
            // At least 8 s (several token lifetimes) and 10 calls, however loaded the machine is.
            while (System.nanoTime() - end < 0 || calls < 10) {
                DemoClient.Reply reply = demo.post("api/banks/13807/payment-requests");
                assertEquals(201, reply.status(), "call " + calls + ": " + reply.body());
                calls++;
            }
            assertTrue(bank.tokenRequests("13807") - tokenRequests >= 3, "tokens were renewed along the way");
        } finally {
            bank.setTokenLifetime(Duration.ofHours(1));
            demo.delete("api/banks/13807/token");
        }
    }

    @Test
    void untrustedClientCertificateIsAClearRejection() {
        DemoClient.Reply reply = demo.get("api/banks/" + TestBanks.UNTRUSTED_CERTIFICATE + "/token");
        assertEquals(502, reply.status(), reply.body());
        assertEquals("TokenRequestRejectedException", reply.field("error"));
        assertTrue(reply.field("message").contains("invalid_client"), reply.body());
        assertTrue(reply.field("message").contains("QWAC"), reply.body());
        assertEquals(0, bank.tokensIssued(TestBanks.UNTRUSTED_CERTIFICATE));
    }

    @Test
    void missingClientCertificateIsATlsErrorOnTheClientSide() {
        DemoClient.Reply reply = demo.get("api/banks/" + TestBanks.NO_CLIENT_CERTIFICATE + "/token");
        assertEquals(502, reply.status(), reply.body());
        assertEquals("TlsHandshakeException", reply.field("error"), reply.body());
        assertTrue(reply.field("message").contains("client certificate"), reply.body());
        assertEquals(0, bank.tokensIssued(TestBanks.NO_CLIENT_CERTIFICATE));
    }

    @Test
    void hostWithoutElytronMatchRuleFailsBeforeSending() {
        DemoClient.Reply reply = demo.get("api/banks/" + TestBanks.NO_MATCH_RULE + "/token");
        assertEquals(502, reply.status(), reply.body());
        assertEquals("TlsSetupException", reply.field("error"), reply.body());
        assertTrue(reply.field("message").contains("match rule"), reply.body());
    }

    @Test
    void macTokenIsRejected() {
        bank.setTokenType(TestBanks.MAC_TOKENS, "MAC");
        int issued = bank.tokensIssued(TestBanks.MAC_TOKENS);
        DemoClient.Reply reply = demo.get("api/banks/" + TestBanks.MAC_TOKENS + "/token");
        assertEquals(502, reply.status(), reply.body());
        assertEquals("UnsupportedTokenTypeException", reply.field("error"));
        assertEquals(issued + 1, bank.tokensIssued(TestBanks.MAC_TOKENS), "the bank did issue one");
        bank.setTokenType(TestBanks.MAC_TOKENS, BankSimulator.DEFAULT_TOKEN_TYPE);
        assertEquals(200, demo.get("api/banks/" + TestBanks.MAC_TOKENS + "/token").status(),
                "the rejected token was not cached: the next call gets a Bearer token");
    }

    @Test
    void healthReportsTheBanksInUseWithoutTokens() throws Exception {
        DemoClient.Reply token = demo.get("api/banks/13807/token");
        assertEquals(200, token.status());
        DemoClient management = new DemoClient(new URL("http://127.0.0.1:10090/"));
        DemoClient.Reply ready = management.get("health/ready");
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.body().contains("psd2-token-banks"), ready.body());
        assertTrue(ready.body().contains("\"13807.pisp.circuit\":\"CLOSED\""), ready.body());
        assertTrue(ready.body().contains("\"13807.pisp.token\":\"FRESH\""), ready.body());
        assertFalse(ready.body().contains(token.field("fingerprint")));
        assertTrue(ready.body().contains("\"organizationIdentifier\":\"PSDFR-ACPR-12345\""), ready.body());
        assertTrue(ready.body().contains("daysToExpiry"), ready.body());
        DemoClient.Reply live = management.get("health/live");
        assertEquals(200, live.status(), live.body());
        assertTrue(live.body().contains("\"psd2-token\""), live.body());
    }

    @Test
    void bankDirectoryListsAndFindsBanks() {
        DemoClient.Reply all = demo.get("api/banks");
        assertEquals(200, all.status(), all.body());
        assertTrue(all.body().contains("\"13807\"") && all.body().contains("\"17515\""), all.body());
        DemoClient.Reply found = demo.get("api/banks?q=ile%20de%20france&network=CAISSE_EPARGNE");
        assertEquals(200, found.status(), found.body());
        var banks = jakarta.json.Json.createReader(new java.io.StringReader(found.body())).readArray();
        assertEquals(1, banks.size(), found.body());
        assertEquals("17515", banks.getJsonObject(0).getString("bkcode"));
        assertEquals(200, demo.get("api/banks/13807").status());
        DemoClient.Reply unknown = demo.get("api/banks/00000");
        assertEquals(404, unknown.status(), unknown.body());
        assertEquals("UnknownBankException", unknown.field("error"));
    }

    @Test
    void bankMissingFromTheDirectoryGetsNoRequest() {
        DemoClient.Reply reply = demo.get("api/banks/00000/token");
        assertEquals(404, reply.status(), reply.body());
        assertEquals("UnknownBankException", reply.field("error"));
    }

    @Test
    void malformedBankCodeIsRefusedBeforeAnyRequest() {
        DemoClient.Reply reply = demo.get("api/banks/1380x/token");
        assertEquals(404, reply.status(), reply.body());
        assertEquals("UnknownBankException", reply.field("error"));
    }

    @Test
    void errorsNeverCarryTheToken() {
        DemoClient.Reply ok = demo.get("api/banks/13807/token");
        assertFalse(ok.body().contains("access_token"));
        assertEquals(12, ok.field("fingerprint").length());
    }
}
