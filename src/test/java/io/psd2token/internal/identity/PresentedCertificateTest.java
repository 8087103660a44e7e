package io.psd2token.internal.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.PresentedCertificateException;
import io.psd2token.identity.PspRole;
import io.psd2token.identity.TppIdentity;
import io.psd2token.error.PresentedCertificateException.Reason;
import io.psd2token.identity.TppIdentity.ExpiryStatus;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import io.psd2token.testbed.TestPki.ClientCertificateSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One TLS handshake with the bank simulator (client certificates required) reveals what an SSL context presents. */
class PresentedCertificateTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;

    static TestPki pki;
    static BankSimulator bank;
    static URI tokenEndpoint;

    @BeforeAll
    static void startBank() {
        pki = TestPki.generate(dir.resolve("pki"));
        bank = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        tokenEndpoint = bank.tokenEndpoint("13807");
    }

    @AfterAll
    static void stopBank() {
        if (bank != null) {
            bank.close();
        }
    }

    private static SSLContext presenting(Path keyStore) {
        return ClientTls.of(pki, keyStore, pki.clientTrustStore());
    }

    @Test
    void whenContextHoldsTheQwacThenTheHandshakeYieldsExactlyThatCertificate() throws Exception {
        PresentedCertificate presented = PresentedCertificate.fetch(tokenEndpoint, presenting(pki.qwacKeyStore()),
                TIMEOUT, TIMEOUT, null);

        assertArrayEquals(pki.qwacCertificate().getEncoded(), presented.certificate().getEncoded());
        assertEquals(2, presented.chain().size());
        assertArrayEquals(pki.qtspCa().getEncoded(), presented.chain().get(1).getEncoded());
        assertEquals("localhost:" + bank.port(), presented.host());
        assertEquals(pki.clientId(), TppIdentity.of(presented.certificate()).organizationIdentifier().value());
    }

    @Test
    void whenKeyStoreHoldsAnotherQwacThenItsRolesAreRead() {
        TestPki.IssuedCertificate aisp = TestPki.issueClientCertificate(
                ClientCertificateSpec.qwac(pki.qtspCaCredential())
                        .withRoles(TestPki.PspRole.PSP_PI, TestPki.PspRole.PSP_AI));
        Path keyStore = pki.writeClientKeyStore(aisp, "pisp-aisp.p12");

        PresentedCertificate presented = PresentedCertificate.fetch(tokenEndpoint, presenting(keyStore), TIMEOUT,
                TIMEOUT, null);

        assertEquals(aisp.certificate(), presented.certificate());
        assertEquals(Set.of(PspRole.PSP_PI, PspRole.PSP_AI), TppIdentity.of(presented.certificate()).roles());
    }

    @Test
    void whenPresentedQwacHasExpiredThenItIsStillReadAndReportedExpired() throws Exception {
        PresentedCertificate presented = PresentedCertificate.fetch(tokenEndpoint,
                presenting(pki.expiredQwacKeyStore()), TIMEOUT, TIMEOUT, null);

        assertArrayEquals(pki.expiredQwacCertificate().getEncoded(), presented.certificate().getEncoded());
        assertEquals(ExpiryStatus.EXPIRED, TppIdentity.of(presented.certificate()).expiryStatus(Clock.systemUTC()));
    }

    @Test
    void whenContextHasNoKeyThenNoCertificateIsReportedWithTheElytronFix() {
        PresentedCertificateException e = assertThrows(PresentedCertificateException.class,
                () -> PresentedCertificate.fetch(tokenEndpoint, presenting(null), TIMEOUT, TIMEOUT, null));

        assertEquals(Reason.NO_CERTIFICATE, e.reason());
        assertTrue(e.getMessage().startsWith("no client certificate presented for localhost:" + bank.port()
                + ": the Elytron match rule for this host selects an SSL context without the QWAC"), e.getMessage());
    }

    @Test
    void whenContextHasNoKeyAndSpeaksTls12ThenTheBankEndsTheHandshakeAndNoCertificateIsReported() {
        // With TLS 1.2 the bank ends the handshake itself; whether it sends an alert or just hangs up (both happen,
        // by timing), what our side presented is read from the handshake, so the report is the same every time.
        SSLContext tls12 = ClientTls.of(pki, null, pki.clientTrustStore(), "TLSv1.2");
        for (int i = 0; i < 5; i++) {
            PresentedCertificateException e = assertThrows(PresentedCertificateException.class,
                    () -> PresentedCertificate.fetch(tokenEndpoint, tls12, TIMEOUT, TIMEOUT, null));

            assertEquals(Reason.NO_CERTIFICATE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("selects an SSL context without the QWAC"), e.getMessage());
        }
    }

    @Test
    void whenBanksServerCertificateIsNotTrustedThenTheHandshakeFailsOnOurSide() {
        TestPki otherPki = TestPki.generate(dir.resolve("other-pki"));
        SSLContext trustsAnotherBankCa = ClientTls.of(otherPki, otherPki.qwacKeyStore(), otherPki.clientTrustStore());

        PresentedCertificateException e = assertThrows(PresentedCertificateException.class,
                () -> PresentedCertificate.fetch(tokenEndpoint, trustsAnotherBankCa, TIMEOUT, TIMEOUT, null));

        assertEquals(Reason.HANDSHAKE_FAILED, e.reason());
        assertTrue(e.getMessage().contains("not trusted by the Elytron trust-manager"), e.getMessage());
    }

    @Test
    void whenNothingListensThenTheBankIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("https://127.0.0.1:" + closedPort + "/stet/psd2/oauth/token");

        PresentedCertificateException e = assertThrows(PresentedCertificateException.class,
                () -> PresentedCertificate.fetch(nowhere, presenting(pki.qwacKeyStore()), TIMEOUT, TIMEOUT, null));

        assertEquals(Reason.UNREACHABLE, e.reason());
        assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + closedPort), e.getMessage());
    }

    @Test
    void whenPeerAcceptsButNeverAnswersThenTheReadTimeoutEndsTheHandshake() throws IOException {
        // The kernel completes the TCP handshake from the backlog; nobody ever reads or writes.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI endpoint = URI.create("https://127.0.0.1:" + silent.getLocalPort() + "/token");

            PresentedCertificateException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(PresentedCertificateException.class, () -> PresentedCertificate.fetch(
                            endpoint, presenting(pki.qwacKeyStore()), TIMEOUT, Duration.ofMillis(300), null)));

            assertEquals(Reason.UNREACHABLE, e.reason());
            assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
        }
    }

    @Test
    void whenEndpointIsNotHttpsThenNothingIsAttempted() {
        assertThrows(IllegalArgumentException.class, () -> PresentedCertificate.fetch(
                URI.create("http://localhost:" + bank.port() + "/token"), presenting(pki.qwacKeyStore()), TIMEOUT,
                TIMEOUT, null));
    }

    @Test
    void toStringNamesHostAndCertificateButNoKeyMaterial() {
        TestPki.IssuedCertificate qwac = pki.qwac();
        PresentedCertificate presented = PresentedCertificate.fetch(tokenEndpoint, presenting(pki.qwacKeyStore()),
                TIMEOUT, TIMEOUT, null);
        X509Certificate leaf = presented.certificate();

        String text = presented.toString();

        assertTrue(text.contains("host=localhost:" + bank.port()), text);
        assertTrue(text.contains("serial=" + leaf.getSerialNumber().toString(16).toUpperCase()), text);
        assertTrue(text.contains("subject=CN=tpp.example,organizationIdentifier=PSDFR-ACPR-12345,"), text);
        String key = Base64.getEncoder().encodeToString(qwac.privateKey().getEncoded());
        assertFalse(text.contains(key.substring(0, 24)), text);
        assertFalse(text.contains("PRIVATE"), text);
    }

    @Test
    void whenTheBankAsksForAnotherIssuerThenTheMessageNamesItsCasAndOurIssuerNotAMissingKey() {
        // Found by the hardening runs: a QWAC whose issuer the bank does not accept (its certificate request names other CAs)
        // was reported as "the match rule selects an SSL context without the QWAC", sending the operator astray.
        bank.setFault("17515", BankSimulator.Fault.CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED);
        try {
            URI endpoint = bank.dedicatedTokenEndpoint("17515");
            PresentedCertificateException unknown = assertThrows(PresentedCertificateException.class,
                    () -> PresentedCertificate.fetch(endpoint, presenting(pki.qwacKeyStore()), TIMEOUT, TIMEOUT, null));
            assertEquals(Reason.NO_CERTIFICATE, unknown.reason(), unknown.getMessage());
            assertTrue(unknown.getMessage().contains("issued by one of [CN=Other QTSP CA]"), unknown.getMessage());
            assertTrue(unknown.getMessage().contains("QWAC's issuer is not one of them"), unknown.getMessage());

            PresentedCertificateException named = assertThrows(PresentedCertificateException.class,
                    () -> PresentedCertificate.fetch(endpoint, presenting(pki.qwacKeyStore()), TIMEOUT, TIMEOUT,
                            pki.qwacCertificate()));
            assertTrue(named.getMessage().contains("is issued by " + pki.qwacCertificate().getIssuerX500Principal()
                    .getName() + ", which is not among them"), named.getMessage());
        } finally {
            bank.clearFault("17515");
        }
    }

    @Test
    void whenTheContextHasNoKeyAndTheBankAcceptsAnyIssuerThenTheMessageSaysTheContextLacksTheQwac() {
        PresentedCertificateException e = assertThrows(PresentedCertificateException.class,
                () -> PresentedCertificate.fetch(tokenEndpoint, presenting(null), TIMEOUT, TIMEOUT, null));
        assertEquals(Reason.NO_CERTIFICATE, e.reason());
        assertTrue(e.getMessage().contains("selects an SSL context without the QWAC"), e.getMessage());
        assertFalse(e.getMessage().contains("issued by one of"), e.getMessage());
    }
}
