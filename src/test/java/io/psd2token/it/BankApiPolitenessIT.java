package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BankSimulator.Fault;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import java.net.URL;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The library on a bank's API, not only its token endpoint, on a real WildFly through the demo's MP Rest Client:
 * a rate limit (BPCE's 403 {@code TMRQ}) keeps the token, is not re-sent and pauses that bank's API; every call
 * carries an {@code X-Request-ID}, which the errors quote with the bank's correlation id; the bank's other errors
 * reach the application untouched.
 */
@WildFlyTest
class BankApiPolitenessIT {

    /** Each test its own bank, so one test's pause is not another's. */
    private static final String WITH_RETRY_AFTER = "11315";
    private static final String WITHOUT_RETRY_AFTER = "11425";
    private static final String OTHER_ERROR = "12135";

    @Deployment(testable = false)
    static WebArchive deployment() {
        Map<String, String> config = new HashMap<>(TestbedExtension.testbed().testBankConfig());
        // The simulator asks for 7 s: capped to 2 s here, which also shows the cap.
        config.put("psd2.retry-after-max", "2s");
        config.put("psd2.api.rate-limit-pause", "1s");
        // On the server side RESTEasy hands the application a WebApplicationException whose response has no body
        // (it guards against echoing a remote error); this restores the bank's answer, to show it arrives intact.
        config.put("resteasy.original.webapplicationexception.behavior", "true");
        return Deployments.demoWar("psd2-polite-it", config);
    }

    @ArquillianResource
    URL url;

    private DemoClient demo;
    private BankSimulator bank;

    @BeforeEach
    void connect() {
        demo = new DemoClient(url);
        bank = TestbedExtension.testbed().simulator();
    }

    @Test
    void aRateLimitWithRetryAfterKeepsTheTokenSendsNothingMoreAndHoldsTheBanksApiBackForThePause() {
        String bk = WITH_RETRY_AFTER;
        assertEquals(201, demo.post("api/banks/" + bk + "/payment-requests").status());
        int tokenRequests = bank.tokenRequests(bk);
        int payments = bank.paymentRequests(bk);
        int limited = bank.rateLimitedResponses(bk);
        int rejected = bank.invalidTokenResponses(bk);
        bank.setFault(bk, Fault.API_RATE_LIMITED_TMRQ_RETRY_AFTER, 1);

        DemoClient.Reply refused = demo.post("api/banks/" + bk + "/payment-requests");
        assertEquals(429, refused.status(), refused.body());
        assertEquals("BankRateLimitedException", refused.field("error"));
        assertTrue(refused.field("message").contains("held back for 2 s"), "Retry-After 7 capped: " + refused.body());
        String requestId = bank.lastRequestId(bk).orElseThrow();
        assertTrue(refused.field("message").contains("X-Request-ID " + requestId), refused.body());
        assertTrue(refused.field("message").contains("bank correlation id "), refused.body());
        assertEquals(payments + 1, bank.paymentRequests(bk), "sent once, not re-sent");
        assertEquals(limited + 1, bank.rateLimitedResponses(bk));

        DemoClient.Reply heldBack = demo.post("api/banks/" + bk + "/payment-requests");
        assertEquals(429, heldBack.status(), heldBack.body());
        assertEquals(payments + 1, bank.paymentRequests(bk), "held back without reaching the bank");

        assertEquals(201, untilAccepted(bk).status());
        assertEquals(tokenRequests, bank.tokenRequests(bk), "a rate limit is not an invalid token: the token is kept");
        assertEquals(rejected, bank.invalidTokenResponses(bk));
    }

    @Test
    void aRateLimitWithoutRetryAfterPausesForTheConfiguredTime() {
        String bk = WITHOUT_RETRY_AFTER;
        assertEquals(201, demo.post("api/banks/" + bk + "/payment-requests").status());
        int tokenRequests = bank.tokenRequests(bk);
        bank.setFault(bk, Fault.API_RATE_LIMITED_TMRQ, 1);

        DemoClient.Reply refused = demo.post("api/banks/" + bk + "/payment-requests");
        assertEquals(429, refused.status(), refused.body());
        assertTrue(refused.field("message").contains("held back for 1 s"), refused.body());
        int payments = bank.paymentRequests(bk);
        assertEquals(429, demo.post("api/banks/" + bk + "/payment-requests").status());
        assertEquals(payments, bank.paymentRequests(bk));

        assertEquals(201, untilAccepted(bk).status());
        assertEquals(tokenRequests, bank.tokenRequests(bk));
    }

    @Test
    void theBanksOtherErrorsReachTheApplicationUntouchedAndPauseNothing() {
        String bk = OTHER_ERROR;
        assertEquals(201, demo.post("api/banks/" + bk + "/payment-requests").status());
        int tokenRequests = bank.tokenRequests(bk);
        int rejected = bank.invalidTokenResponses(bk);
        bank.setFault(bk, Fault.API_FORBIDDEN_NAAC, 1);

        DemoClient.Reply naac = demo.post("api/banks/" + bk + "/payment-requests");
        // The demo shows the bank's own answer: its status and body, as the application received them.
        assertEquals(502, naac.status(), naac.body());
        assertEquals(403, naac.json().getInt("status"), naac.body());
        assertTrue(naac.field("body").contains("NAAC"), naac.body());
        assertEquals(201, demo.post("api/banks/" + bk + "/payment-requests").status(), "no pause, no eviction");
        assertEquals(tokenRequests, bank.tokenRequests(bk));
        assertEquals(rejected, bank.invalidTokenResponses(bk));
    }

    @Test
    void everyApiCallCarriesAFreshRequestId() {
        String bk = OTHER_ERROR;
        int without = bank.callsWithoutRequestId(bk);
        assertEquals(201, demo.post("api/banks/" + bk + "/payment-requests").status());
        String first = bank.lastRequestId(bk).orElseThrow();
        assertEquals(201, demo.post("api/banks/" + bk + "/payment-requests").status());
        String second = bank.lastRequestId(bk).orElseThrow();
        assertEquals(without, bank.callsWithoutRequestId(bk));
        assertEquals(first, UUID.fromString(first).toString(), "a UUID");
        assertTrue(!first.equals(second), "one id per call");
    }

    /** Calls until the bank's pause is over: bounded, and each call that is held back is checked to be one. */
    private DemoClient.Reply untilAccepted(String bk) {
        long end = System.nanoTime() + 15_000_000_000L;
        while (true) {
            DemoClient.Reply reply = demo.post("api/banks/" + bk + "/payment-requests");
            if (reply.status() != 429 || System.nanoTime() - end > 0) {
                return reply;
            }
            assertEquals("BankRateLimitedException", reply.field("error"), reply.body());
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
