package io.psd2token.testbed;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificates the connection faults present, made together on first use: a localhost certificate from a CA
 * nobody trusts; one for another host ({@link BankSimulator#OTHER_HOST}) from a CA a client may trust; and the CA
 * a fault's certificate request names instead of the client's QTSP.
 */
final class FaultCertificates {

    private static final SecureRandom RANDOM = new SecureRandom();

    final SSLContext untrusted;
    final SSLContext otherHost;
    final X509Certificate otherHostCa;
    final X509Certificate requestedCa;

    FaultCertificates() {
        TestPki.IssuedCertificate unknownCa = TestPki.createRootCa("CN=Unknown Bank Server CA");
        TestPki.IssuedCertificate otherCa = TestPki.createRootCa("CN=Other Host Bank Server CA");
        this.otherHostCa = otherCa.certificate();
        this.requestedCa = TestPki.createRootCa("CN=Other QTSP CA").certificate();
        this.untrusted = context(issueServerCertificate(unknownCa, "localhost", true));
        this.otherHost = context(issueServerCertificate(otherCa, BankSimulator.OTHER_HOST, false));
    }

    private static SSLContext context(TestPki.IssuedCertificate server) {
        try {
            char[] password = new char[0];
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", server.privateKey(), password,
                    server.chain().toArray(new Certificate[0]));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, password);
            return ServerTls.serverSslContext(keys.getKeyManagers(), new AnyClientChainTrustManager());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a fault SSL context", e);
        }
    }

    /** A TLS server certificate for {@code dnsName} (and 127.0.0.1 if {@code loopbackIp}), issued by {@code ca}. */
    private static TestPki.IssuedCertificate issueServerCertificate(TestPki.IssuedCertificate ca, String dnsName,
            boolean loopbackIp) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair keyPair = generator.generateKeyPair();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(),
                    new BigInteger(63, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + dnsName), keyPair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            GeneralName dns = new GeneralName(GeneralName.dNSName, dnsName);
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(loopbackIp
                    ? new GeneralName[] { dns, new GeneralName(GeneralName.iPAddress, "127.0.0.1") }
                    : new GeneralName[] { dns }));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(certificate);
            chain.addAll(ca.chain());
            return new TestPki.IssuedCertificate(keyPair.getPrivate(), certificate, chain);
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a fault server certificate", e);
        }
    }
}
