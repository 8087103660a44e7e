package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import java.net.URL;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo as an EAR with the library in {@code lib/}: the token manager is shared by the web module's
 * JAX-RS resource and the EJB module's payment service, and works over real mutual TLS.
 */
@WildFlyTest
class EarDeploymentIT {

    @Deployment(name = "ear", testable = false)
    static EnterpriseArchive deployment() {
        return Deployments.demoEar("psd2-demo-ear-it", Map.of());
    }

    @ArquillianResource
    @OperateOnDeployment("ear")
    URL url;

    private DemoClient demo;
    private BankSimulator bank;

    @BeforeEach
    void forgetTokens() {
        demo = new DemoClient(url);
        bank = TestbedExtension.testbed().simulator();
        assertEquals(204, demo.delete("api/banks/13807/token").status());
        assertEquals(204, demo.delete("api/banks/17515/token").status());
    }

    @Test
    void resourceAndEjbShareOneTokenPerBank() {
        int before = bank.tokenRequests("13807");
        DemoClient.Reply viaResource = demo.get("api/banks/13807/token");
        assertEquals(200, viaResource.status(), viaResource.body());
        DemoClient.Reply viaEjb = demo.get("api/banks/13807/token?via=ejb");
        assertEquals(200, viaEjb.status(), viaEjb.body());
        assertEquals(viaResource.field("fingerprint"), viaEjb.field("fingerprint"));
        assertEquals(before + 1, bank.tokenRequests("13807"));
    }

    @Test
    void paymentRequestSucceedsOverMutualTls() {
        int payments = bank.paymentRequests("13807");
        DemoClient.Reply reply = demo.post("api/banks/13807/payment-requests");
        assertEquals(201, reply.status(), reply.body());
        assertTrue(reply.field("body").contains("paymentRequestResourceId"), reply.body());
        assertEquals(payments + 1, bank.paymentRequests("13807"));
    }
}
