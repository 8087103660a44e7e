package io.psd2token.testbed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.TestPki.ClientCertificateSpec;
import io.psd2token.testbed.TestPki.IssuedCertificate;
import io.psd2token.testbed.TestPki.PspRole;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.qualified.QCStatement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.psd2token.testbed.TestPki.ClientCertificateSpec;
import io.psd2token.testbed.TestPki.IssuedCertificate;

class TestPkiTest {

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void generate() {
        pki = TestPki.generate(dir.resolve("pki"));
    }

    @Test
    void qwacSubjectCarriesTheClientIdAsOrganizationIdentifier() {
        X500Name subject = subjectOf(pki.qwacCertificate());

        assertEquals("PSDFR-ACPR-12345", rdnValue(subject, BCStyle.ORGANIZATION_IDENTIFIER));
        assertEquals("2.5.4.97", BCStyle.ORGANIZATION_IDENTIFIER.getId());
        assertEquals("tpp.example", rdnValue(subject, BCStyle.CN));
        assertEquals("Example TPP", rdnValue(subject, BCStyle.O));
        assertEquals("FR", rdnValue(subject, BCStyle.C));
        assertEquals("PSDFR-ACPR-12345", pki.clientId());
    }

    @Test
    void qwacIsAClientAuthenticationCertificate() throws Exception {
        X509Certificate qwac = pki.qwacCertificate();

        assertTrue(qwac.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "clientAuth");
        assertTrue(qwac.getKeyUsage()[0], "digitalSignature");
        assertEquals(-1, qwac.getBasicConstraints(), "not a CA");
        assertEquals(pki.qtspCa().getSubjectX500Principal(), qwac.getIssuerX500Principal());
    }

    @Test
    void qwacQcStatementsDeclareQcComplianceAndThePsd2PaymentInitiationRole() throws Exception {
        List<QCStatement> statements = qcStatements(pki.qwacCertificate());

        assertTrue(statements.stream().anyMatch(s -> s.getStatementId().getId().equals("0.4.0.1862.1.1")),
                "QcCompliance statement");
        ASN1Sequence psd2QcType = psd2QcType(statements);
        List<ASN1Sequence> roles = roles(psd2QcType);
        assertEquals(1, roles.size());
        assertEquals(new ASN1ObjectIdentifier("0.4.0.19495.1.2"), roles.get(0).getObjectAt(0));
        assertEquals("PSP_PI", DERUTF8String.getInstance(roles.get(0).getObjectAt(1)).getString());
        assertEquals("ACPR", DERUTF8String.getInstance(psd2QcType.getObjectAt(1)).getString());
        assertEquals("FR-ACPR", DERUTF8String.getInstance(psd2QcType.getObjectAt(2)).getString());
    }

    @Test
    void qwacKeyStoreChainValidatesToTheQtspCaByPkix() throws Exception {
        KeyStore keyStore = load(pki.qwacKeyStore());
        List<X509Certificate> chain = chain(keyStore, "qwac");

        assertEquals(2, chain.size());
        assertEquals(pki.qwacCertificate(), chain.get(0));
        assertEquals(pki.qtspCa(), chain.get(1));
        assertNotNull(keyStore.getKey("qwac", pki.password().toCharArray()));
        validate(chain.subList(0, 1), pki.qtspCa());
    }

    @Test
    void untrustedClientCertificateLooksLikeTheQwacButDoesNotValidateToTheQtspCa() throws Exception {
        KeyStore keyStore = load(pki.untrustedClientKeyStore());
        List<X509Certificate> chain = chain(keyStore, "qwac");

        assertEquals(pki.qwacCertificate().getSubjectX500Principal(), chain.get(0).getSubjectX500Principal());
        assertEquals(pki.rogueCa(), chain.get(1));
        assertEquals("CN=Rogue CA", pki.rogueCa().getSubjectX500Principal().getName());
        assertThrows(CertPathValidatorException.class, () -> validate(chain, pki.qtspCa()));
        assertThrows(CertPathValidatorException.class, () -> validate(chain.subList(0, 1), pki.qtspCa()));
    }

    @Test
    void expiredQwacIsFromTheQtspButEndedYesterday() throws Exception {
        KeyStore keyStore = load(pki.expiredQwacKeyStore());
        X509Certificate expired = chain(keyStore, "qwac").get(0);

        assertEquals(pki.expiredQwacCertificate(), expired);
        assertTrue(expired.getNotAfter().toInstant().isBefore(Instant.now()));
        assertThrows(CertificateExpiredException.class, expired::checkValidity);
        expired.verify(pki.qtspCa().getPublicKey());
        assertEquals("PSDFR-ACPR-12345", rdnValue(subjectOf(expired), BCStyle.ORGANIZATION_IDENTIFIER));
    }

    @Test
    void serverCertificateNamesLocalhostAndTheLoopbackAddress() throws Exception {
        KeyStore keyStore = load(pki.serverKeyStore());
        List<X509Certificate> chain = chain(keyStore, "server");
        X509Certificate server = chain.get(0);

        assertEquals(List.of(pki.serverCertificate(), pki.bankServerCa()), chain);
        assertTrue(server.getSubjectAlternativeNames().contains(List.of(2, "localhost")));
        assertTrue(server.getSubjectAlternativeNames().contains(List.of(7, "127.0.0.1")));
        assertTrue(server.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
        assertEquals("CN=localhost", server.getSubjectX500Principal().getName());
        validate(chain.subList(0, 1), pki.bankServerCa());
    }

    @Test
    void clientTrustStoreTrustsOnlyTheBankServerCa() throws Exception {
        KeyStore trustStore = load(pki.clientTrustStore());

        assertEquals(List.of("bank-server-ca"), Collections.list(trustStore.aliases()));
        assertTrue(trustStore.isCertificateEntry("bank-server-ca"));
        assertEquals(pki.bankServerCa(), trustStore.getCertificate("bank-server-ca"));
    }

    @Test
    void certificateAuthoritiesAreMarkedAsSuch() {
        for (X509Certificate ca : List.of(pki.qtspCa(), pki.rogueCa(), pki.bankServerCa())) {
            assertTrue(ca.getBasicConstraints() >= 0, ca.getSubjectX500Principal() + " is a CA");
            assertTrue(ca.getKeyUsage()[5], "keyCertSign");
        }
        assertEquals(new X500Name("CN=Test QTSP CA, O=psd2-token test QTSP, C=FR"), subjectOf(pki.qtspCa()));
    }

    @Test
    void qtspCaPemHoldsTheQtspCaCertificate() throws Exception {
        String pem = Files.readString(pki.qtspCaPem());
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));

        try (InputStream in = Files.newInputStream(pki.qtspCaPem())) {
            Certificate parsed = CertificateFactory.getInstance("X.509").generateCertificate(in);
            assertEquals(pki.qtspCa(), parsed);
        }
    }

    @Test
    void passwordIsTwentyFourRandomAlphanumericsAndDiffersPerGeneration() {
        assertTrue(pki.password().matches("[A-Za-z0-9]{24}"), pki.password());

        TestPki other = TestPki.generate(dir.resolve("other"), "PSDFR-ACPR-99999");
        assertNotEquals(pki.password(), other.password());
        assertEquals("PSDFR-ACPR-99999", rdnValue(subjectOf(other.qwacCertificate()),
                BCStyle.ORGANIZATION_IDENTIFIER));
    }

    @Test
    void issuesClientCertificateVariantsWithOtherRolesOrganisationAndValidity() throws Exception {
        Instant notBefore = Instant.now().minus(Duration.ofDays(2));
        Instant notAfter = Instant.now().plus(Duration.ofDays(3));
        ClientCertificateSpec spec = ClientCertificateSpec.qwac(pki.qtspCaCredential())
                .withOrganizationIdentifier("PSDFR-ACPR-67890")
                .withRoles(PspRole.PSP_AI, PspRole.PSP_PI)
                .withValidity(notBefore, notAfter);

        IssuedCertificate variant = TestPki.issueClientCertificate(spec);
        Path file = pki.writeClientKeyStore(variant, "variant.p12");

        assertEquals("PSDFR-ACPR-67890", rdnValue(subjectOf(variant.certificate()), BCStyle.ORGANIZATION_IDENTIFIER));
        List<ASN1Sequence> roles = roles(psd2QcType(qcStatements(variant.certificate())));
        assertEquals(List.of("0.4.0.19495.1.3", "0.4.0.19495.1.2"),
                roles.stream().map(role -> ASN1ObjectIdentifier.getInstance(role.getObjectAt(0)).getId()).toList());
        assertEquals(Date.from(notAfter).getTime() / 1000, variant.certificate().getNotAfter().getTime() / 1000);
        validate(variant.chain().subList(0, 1), pki.qtspCa());
        KeyStore keyStore = load(file);
        assertEquals(variant.certificate(), keyStore.getCertificate("qwac"));
        assertTrue(keyStore.getKey("qwac", pki.password().toCharArray()) instanceof PrivateKey);
    }

    @Test
    void rolesAreEncodedWithTheirEtsiOids() {
        assertArrayEquals(
                new String[] { "0.4.0.19495.1.1", "0.4.0.19495.1.2", "0.4.0.19495.1.3", "0.4.0.19495.1.4" },
                Arrays.stream(PspRole.values()).map(PspRole::oid).toArray(String[]::new));
    }

    private static KeyStore load(Path file) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, pki.password().toCharArray());
        }
        return keyStore;
    }

    private static List<X509Certificate> chain(KeyStore keyStore, String alias) throws Exception {
        assertTrue(keyStore.isKeyEntry(alias), alias + " is a key entry");
        Certificate[] chain = keyStore.getCertificateChain(alias);
        List<X509Certificate> certificates = new ArrayList<>();
        Arrays.stream(chain).forEach(c -> certificates.add((X509Certificate) c));
        return certificates;
    }

    private static void validate(List<X509Certificate> path, X509Certificate anchor) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    }

    private static X500Name subjectOf(X509Certificate certificate) {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private static String rdnValue(X500Name name, ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        assertEquals(1, rdns.length, "one " + type + " attribute");
        return ((ASN1String) rdns[0].getFirst().getValue()).getString();
    }

    private static List<QCStatement> qcStatements(X509Certificate certificate) throws Exception {
        byte[] extension = certificate.getExtensionValue("1.3.6.1.5.5.7.1.3");
        assertNotNull(extension, "qcStatements extension");
        ASN1Sequence sequence = ASN1Sequence.getInstance(
                ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets()));
        List<QCStatement> statements = new ArrayList<>();
        sequence.forEach(statement -> statements.add(QCStatement.getInstance(statement)));
        return statements;
    }

    private static ASN1Sequence psd2QcType(List<QCStatement> statements) {
        QCStatement psd2 = statements.stream()
                .filter(s -> s.getStatementId().getId().equals("0.4.0.19495.2"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no PSD2 QCStatement"));
        ASN1Sequence psd2QcType = ASN1Sequence.getInstance(psd2.getStatementInfo());
        assertEquals(3, psd2QcType.size());
        return psd2QcType;
    }

    private static List<ASN1Sequence> roles(ASN1Sequence psd2QcType) {
        List<ASN1Sequence> roles = new ArrayList<>();
        ASN1Sequence.getInstance(psd2QcType.getObjectAt(0)).forEach(role -> roles.add(ASN1Sequence.getInstance(role)));
        return roles;
    }
}
