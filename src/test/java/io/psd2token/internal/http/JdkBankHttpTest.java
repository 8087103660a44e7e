package io.psd2token.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BlockingHttp;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.error.TlsHandshakeException;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP seam against the simulator over real mutual TLS, and how each TLS failure is reported. */
class JdkBankHttpTest {

    private static final String FORM = "grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp";

    @TempDir
    static Path dir;
    static TestPki pki;
    static BankSimulator simulator;

    @BeforeAll
    static void start() {
        pki = TestPki.generate(dir);
        simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki));
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    private static HttpReply post(SSLContext tls) {
        return BlockingHttp.post(BlockingHttp.jdk(tls, Duration.ofSeconds(5), Duration.ofSeconds(10)),
                simulator.tokenEndpoint("13807"), FORM);
    }

    @Test
    void qwacGetsATokenResponse() {
        int before = simulator.tokensIssued("13807");
        HttpReply reply = post(ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore()));
        assertEquals(200, reply.status());
        assertTrue(reply.contentType().orElseThrow().startsWith("application/json"));
        assertTrue(reply.body().contains("access_token"));
        assertEquals(before + 1, simulator.tokensIssued("13807"));
    }

    @Test
    void untrustedClientCertificateGetsTheBanksOAuthError() {
        HttpReply reply = post(ClientTls.of(pki, pki.untrustedClientKeyStore(), pki.clientTrustStore()));
        assertEquals(401, reply.status());
        assertTrue(reply.body().contains("invalid_client"));
    }

    @Test
    void noClientCertificateIsReportedAsAClientCertificateProblem() {
        var e = assertThrows(TlsHandshakeException.class,
                () -> post(ClientTls.of(pki, null, pki.clientTrustStore())));
        assertEquals(TlsHandshakeException.Side.CLIENT_CERTIFICATE, e.side());
        assertTrue(e.getMessage().contains("no client certificate was presented"), e.getMessage());
    }

    @Test
    void noClientCertificateOverTls12IsReportedAsAClientCertificateProblem() {
        var e = assertThrows(TlsHandshakeException.class,
                () -> post(ClientTls.of(pki, null, pki.clientTrustStore(), "TLSv1.2")));
        assertEquals(TlsHandshakeException.Side.CLIENT_CERTIFICATE, e.side());
        assertTrue(e.getMessage().contains("client certificate"), e.getMessage());
    }

    @Test
    void bankCertificateFromAnUntrustedCaIsReportedAsAServerCertificateProblem() {
        // Trusting only the QTSP CA, not the CA that issued the simulator's server certificate.
        Path wrongTrust = pki.writeClientKeyStore(pki.qtspCaCredential(), "qtsp-as-truststore.p12");
        var e = assertThrows(TlsHandshakeException.class,
                () -> post(ClientTls.of(pki, pki.qwacKeyStore(), wrongTrust)));
        assertEquals(TlsHandshakeException.Side.SERVER_CERTIFICATE, e.side());
        assertTrue(e.getMessage().contains("trust-manager"), e.getMessage());
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SSLContext tls = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
        var e = assertThrows(BankUnreachableException.class, () -> BlockingHttp.post(BlockingHttp.jdk(tls,
                Duration.ofSeconds(2), Duration.ofSeconds(2)), URI.create("https://localhost:" + port + "/t"), FORM));
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    }
}
