package io.psd2token.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.identity.TppIdentity;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.internal.identity.PresentedCertificate;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BlockingHttp;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.ConnectProxy;
import io.psd2token.testbed.TestPki;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an HTTP egress proxy in the JVM's default {@link ProxySelector} changes, as docs/operations.md describes it:
 * the token request goes through it (a CONNECT tunnel, mutual TLS end to end), the identity handshake does not.
 * The JVM properties {@code https.proxyHost}/{@code https.proxyPort} are what fill that selector; it never proxies
 * loopback addresses, where the simulator listens, so the tests install a selector that proxies every host.
 */
class EgressProxyTest {

    private static final String FORM = "grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp";

    @TempDir
    static Path dir;
    static TestPki pki;
    static BankSimulator bank;
    static SSLContext qwac;

    private ConnectProxy proxy;
    private ProxySelector jvmDefault;

    @BeforeAll
    static void startBank() {
        pki = TestPki.generate(dir);
        bank = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        qwac = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
    }

    @AfterAll
    static void stopBank() {
        bank.close();
    }

    @BeforeEach
    void proxyForEveryHost() {
        proxy = ConnectProxy.start();
        jvmDefault = ProxySelector.getDefault();
        ProxySelector.setDefault(ProxySelector.of(proxy.address()));
    }

    @AfterEach
    void restoreTheJvmDefault() {
        ProxySelector.setDefault(jvmDefault);
        proxy.close();
    }

    @Test
    void theJvmPropertiesMakeTheDefaultSelectorProxyBankHostsButNeverLoopback() {
        Map<String, String> saved = new HashMap<>();
        for (String p : List.of("https.proxyHost", "https.proxyPort")) {
            saved.put(p, System.getProperty(p));
        }
        System.setProperty("https.proxyHost", "proxy.example");
        System.setProperty("https.proxyPort", "3128");
        try {
            List<Proxy> bankHost = jvmDefault.select(URI.create("https://www.13807.live.api.89c3.com/stet/psd2/oauth/token"));
            assertEquals(Proxy.Type.HTTP, bankHost.get(0).type());
            assertEquals("proxy.example:3128", ((InetSocketAddress) bankHost.get(0).address()).getHostString() + ":"
                    + ((InetSocketAddress) bankHost.get(0).address()).getPort());
            assertEquals(List.of(Proxy.NO_PROXY), jvmDefault.select(bank.tokenEndpoint("13807")), "loopback");
        } finally {
            saved.forEach((p, v) -> {
                if (v == null) {
                    System.clearProperty(p);
                } else {
                    System.setProperty(p, v);
                }
            });
        }
    }

    @Test
    void theTokenRequestTunnelsThroughTheProxyAndTheBankStillSeesTheQwac() {
        URI endpoint = bank.tokenEndpoint("13807");
        int issued = bank.tokensIssued("13807");
        JdkBankHttp http = BlockingHttp.jdk(qwac, Duration.ofSeconds(5), Duration.ofSeconds(10));

        HttpReply reply = BlockingHttp.post(http, endpoint, FORM);

        assertEquals(200, reply.status(), reply.body());
        assertEquals(List.of(endpoint.getHost() + ":" + endpoint.getPort()), proxy.tunnels());
        assertEquals(issued + 1, bank.tokensIssued("13807"), "the simulator checked the QWAC through the tunnel");
        assertEquals(pki.qwacCertificate().getSerialNumber(), bank.lastClientCertificateSerial("13807").orElseThrow());
    }

    @Test
    void theIdentityHandshakeConnectsDirectlyWhateverTheDefaultSelectorSays() {
        PresentedCertificate presented = PresentedCertificate.fetch(bank.tokenEndpoint("13807"), qwac,
                Duration.ofSeconds(5), Duration.ofSeconds(5), null);

        assertEquals("PSDFR-ACPR-12345", TppIdentity.of(presented.certificate()).organizationIdentifier().value());
        assertTrue(proxy.tunnels().isEmpty(), "no tunnel asked for: " + proxy.tunnels());
    }
}
