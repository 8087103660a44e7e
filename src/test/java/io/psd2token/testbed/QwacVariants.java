package io.psd2token.testbed;

import io.psd2token.testbed.TestPki.IssuedCertificate;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.qualified.ETSIQCObjectIdentifiers;
import org.bouncycastle.asn1.x509.qualified.QCStatement;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Client certificates that {@code TestPki} does not issue, because it always writes one UTF8String
 * organizationIdentifier and a well-formed PSD2 statement: no or two organizationIdentifiers, a PrintableString
 * one, no qcStatements, and broken statements. Each is signed by the test QTSP CA.
 */
public final class QwacVariants {

    public static final String PSD2_STATEMENT = "0.4.0.19495.2";
    private static final SecureRandom RANDOM = new SecureRandom();

    private QwacVariants() {
    }

    /** C=FR, O=Example TPP, then the given organizationIdentifier values (none, one or several), CN=tpp.example. */
    public static X500Name subject(ASN1Encodable... organizationIdentifiers) {
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "FR")
                .addRDN(BCStyle.O, "Example TPP");
        for (ASN1Encodable value : organizationIdentifiers) {
            builder.addRDN(BCStyle.ORGANIZATION_IDENTIFIER, value);
        }
        return builder.addRDN(BCStyle.CN, "tpp.example").build();
    }

    public static ASN1Encodable utf8(String value) {
        return new DERUTF8String(value);
    }

    public static ASN1Encodable printable(String value) {
        return new DERPrintableString(value);
    }

    /** A qcStatements value with QcCompliance and a PSD2 statement listing the given role OIDs. */
    public static DERSequence psd2Statements(String ncaName, String ncaId, String... roleOids) {
        ASN1Encodable[] roles = new ASN1Encodable[roleOids.length];
        for (int i = 0; i < roleOids.length; i++) {
            roles[i] = new DERSequence(new ASN1Encodable[] {
                    new ASN1ObjectIdentifier(roleOids[i]), new DERUTF8String("ROLE_" + i) });
        }
        DERSequence psd2 = new DERSequence(new ASN1Encodable[] {
                new DERSequence(roles), new DERUTF8String(ncaName), new DERUTF8String(ncaId) });
        return new DERSequence(new ASN1Encodable[] {
                new QCStatement(ETSIQCObjectIdentifiers.id_etsi_qcs_QcCompliance),
                new QCStatement(new ASN1ObjectIdentifier(PSD2_STATEMENT), psd2) });
    }

    /** A qcStatements value with QcCompliance only: a qualified certificate, but no PSD2 statement. */
    public static DERSequence complianceOnly() {
        return new DERSequence(new QCStatement(ETSIQCObjectIdentifiers.id_etsi_qcs_QcCompliance));
    }

    /** A qcStatements value whose PSD2 statement is a bare string instead of the PSD2QcType SEQUENCE. */
    public static DERSequence malformedPsd2Statement() {
        return new DERSequence(new QCStatement(new ASN1ObjectIdentifier(PSD2_STATEMENT),
                new DERUTF8String("PSP_PI")));
    }

    /** A qcStatements value whose PSD2 statement lacks the NCA id. */
    public static DERSequence truncatedPsd2Statement() {
        DERSequence psd2 = new DERSequence(new ASN1Encodable[] {
                new DERSequence(), new DERUTF8String("ACPR") });
        return new DERSequence(new QCStatement(new ASN1ObjectIdentifier(PSD2_STATEMENT), psd2));
    }

    /**
     * Issues a client certificate valid from yesterday for a year.
     *
     * @param qcStatements the qcStatements extension value, or {@code null} for none
     */
    public static X509Certificate issue(IssuedCertificate ca, X500Name subject, ASN1Encodable qcStatements) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair keys = generator.generateKeyPair();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(),
                    new BigInteger(63, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(365))), subject, keys.getPublic());
            if (qcStatements != null) {
                builder.addExtension(Extension.qCStatements, false, qcStatements);
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot issue a test certificate", e);
        }
    }
}
