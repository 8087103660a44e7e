package io.psd2token.testbed;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.qualified.ETSIQCObjectIdentifiers;
import org.bouncycastle.asn1.x509.qualified.QCStatement;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away eIDAS/PSD2 test PKI (QTSP CA, QWACs, a rogue CA and a bank server certificate) generated at test time.
 */
public final class TestPki {

    /** Organisation identifier of the default QWAC, in the ETSI EN 319 412-1 "PSD" form used by French TPPs. */
    public static final String DEFAULT_CLIENT_ID = "PSDFR-ACPR-12345";

    /** Alias of the key entry in every client key store ({@code qwac.p12}, {@code untrusted-client.p12}, ...). */
    public static final String CLIENT_KEY_ALIAS = "qwac";
    /** Alias of the key entry in {@code simulator-server.p12}. */
    public static final String SERVER_KEY_ALIAS = "server";
    /** Alias of the trusted certificate entry in {@code client-truststore.p12}. */
    public static final String BANK_SERVER_CA_ALIAS = "bank-server-ca";

    /** File name of the valid QWAC key store. */
    public static final String QWAC_FILE = "qwac.p12";
    /** File name of the key store whose QWAC look-alike is issued by the rogue CA. */
    public static final String UNTRUSTED_CLIENT_FILE = "untrusted-client.p12";
    /** File name of the key store whose QWAC expired yesterday. */
    public static final String EXPIRED_QWAC_FILE = "expired-qwac.p12";
    /** File name of the bank simulator's server key store. */
    public static final String SERVER_KEY_STORE_FILE = "simulator-server.p12";
    /** File name of the client trust store holding the bank server CA. */
    public static final String CLIENT_TRUST_STORE_FILE = "client-truststore.p12";
    /** File name of the QTSP CA certificate in PEM. */
    public static final String QTSP_CA_PEM_FILE = "qtsp-ca.pem";

    static final String QTSP_CA_DN = "CN=Test QTSP CA, O=psd2-token test QTSP, C=FR";
    static final String ROGUE_CA_DN = "CN=Rogue CA";
    static final String BANK_SERVER_CA_DN = "CN=Test Bank Server CA";

    /** OID of the qcStatements certificate extension (RFC 3739). */
    public static final String QC_STATEMENTS_OID = Extension.qCStatements.getId();
    /** OID of the ETSI EN 319 412-5 QcCompliance statement. */
    public static final String QC_COMPLIANCE_OID = ETSIQCObjectIdentifiers.id_etsi_qcs_QcCompliance.getId();
    /** OID of the ETSI TS 119 495 PSD2 QCStatement. */
    public static final String PSD2_QC_STATEMENT_OID = "0.4.0.19495.2";

    private static final Duration BACKDATING = Duration.ofDays(1);
    private static final Duration VALIDITY = Duration.ofDays(365);
    // EC P-256 rather than RSA 2048: keys are generated on every test run and RSA generation costs ~0.5 s each.
    private static final String KEY_ALGORITHM = "EC";
    private static final String CURVE = "secp256r1";
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final int PASSWORD_LENGTH = 24;
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // Used only for signing: registering it globally would change provider order for the code under test.
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A PSD2 role of a payment service provider, as listed in ETSI TS 119 495. */
    public enum PspRole {
        /** Account servicing (the bank itself). */
        PSP_AS("0.4.0.19495.1.1"),
        /** Payment initiation. */
        PSP_PI("0.4.0.19495.1.2"),
        /** Account information. */
        PSP_AI("0.4.0.19495.1.3"),
        /** Issuing of card-based payment instruments. */
        PSP_IC("0.4.0.19495.1.4");

        private final String oid;

        PspRole(String oid) {
            this.oid = oid;
        }

        /** Returns the dotted OID that identifies this role in the PSD2 QCStatement. */
        public String oid() {
            return oid;
        }
    }

    /** A certificate with its private key and the chain (leaf first) a key store entry should carry. */
    public record IssuedCertificate(PrivateKey privateKey, X509Certificate certificate, List<X509Certificate> chain) {

        /** Checks the parts and copies the chain. */
        public IssuedCertificate {
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(certificate, "certificate");
            chain = List.copyOf(chain);
            if (chain.isEmpty() || !chain.get(0).equals(certificate)) {
                throw new IllegalArgumentException("chain must start with the certificate");
            }
        }

        /** Writes this key and chain as the only entry of a PKCS12 file, replacing the file if present. */
        public void writePkcs12(Path file, String alias, String password) {
            try {
                KeyStore keyStore = emptyPkcs12();
                keyStore.setKeyEntry(alias, privateKey, password.toCharArray(), chain.toArray(new Certificate[0]));
                store(keyStore, file, password);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot write " + file, e);
            }
        }
    }

    /**
     * What to put in a PSD2 client certificate (a QWAC); start from {@link #qwac(IssuedCertificate)} and use the withers.
     */
    public record ClientCertificateSpec(
            IssuedCertificate issuer,
            String commonName,
            String organization,
            String country,
            String organizationIdentifier,
            List<PspRole> roles,
            String ncaName,
            String ncaId,
            Instant notBefore,
            Instant notAfter) {

        /** Checks the fields and copies the roles. */
        public ClientCertificateSpec {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(commonName, "commonName");
            Objects.requireNonNull(organization, "organization");
            Objects.requireNonNull(country, "country");
            Objects.requireNonNull(organizationIdentifier, "organizationIdentifier");
            roles = List.copyOf(roles);
            Objects.requireNonNull(ncaName, "ncaName");
            Objects.requireNonNull(ncaId, "ncaId");
            Objects.requireNonNull(notBefore, "notBefore");
            Objects.requireNonNull(notAfter, "notAfter");
            if (!notAfter.isAfter(notBefore)) {
                throw new IllegalArgumentException("notAfter must be after notBefore");
            }
        }

        /** The default QWAC: tpp.example / Example TPP / FR, {@value #DEFAULT_CLIENT_ID}, role PSP_PI, ACPR, valid now. */
        public static ClientCertificateSpec qwac(IssuedCertificate issuer) {
            Instant now = Instant.now();
            return new ClientCertificateSpec(issuer, "tpp.example", "Example TPP", "FR", DEFAULT_CLIENT_ID,
                    List.of(PspRole.PSP_PI), "ACPR", "FR-ACPR", now.minus(BACKDATING), now.plus(VALIDITY));
        }

        /** Returns a copy issued by another CA. */
        public ClientCertificateSpec withIssuer(IssuedCertificate newIssuer) {
            return new ClientCertificateSpec(newIssuer, commonName, organization, country, organizationIdentifier,
                    roles, ncaName, ncaId, notBefore, notAfter);
        }

        /** Returns a copy with another subject common name. */
        public ClientCertificateSpec withCommonName(String newCommonName) {
            return new ClientCertificateSpec(issuer, newCommonName, organization, country, organizationIdentifier,
                    roles, ncaName, ncaId, notBefore, notAfter);
        }

        /** Returns a copy with another subject organizationIdentifier (the OAuth2 client_id). */
        public ClientCertificateSpec withOrganizationIdentifier(String newOrganizationIdentifier) {
            return new ClientCertificateSpec(issuer, commonName, organization, country, newOrganizationIdentifier,
                    roles, ncaName, ncaId, notBefore, notAfter);
        }

        /** Returns a copy with other PSD2 roles (possibly none). */
        public ClientCertificateSpec withRoles(PspRole... newRoles) {
            return new ClientCertificateSpec(issuer, commonName, organization, country, organizationIdentifier,
                    List.of(newRoles), ncaName, ncaId, notBefore, notAfter);
        }

        /** Returns a copy naming another national competent authority in the PSD2 statement. */
        public ClientCertificateSpec withNca(String newNcaName, String newNcaId) {
            return new ClientCertificateSpec(issuer, commonName, organization, country, organizationIdentifier,
                    roles, newNcaName, newNcaId, notBefore, notAfter);
        }

        /** Returns a copy with another validity period. */
        public ClientCertificateSpec withValidity(Instant newNotBefore, Instant newNotAfter) {
            return new ClientCertificateSpec(issuer, commonName, organization, country, organizationIdentifier,
                    roles, ncaName, ncaId, newNotBefore, newNotAfter);
        }
    }

    private final Path directory;
    private final String password;
    private final String clientId;
    private final IssuedCertificate qtspCa;
    private final IssuedCertificate qwac;
    private final IssuedCertificate rogueCa;
    private final IssuedCertificate untrustedClient;
    private final IssuedCertificate expiredQwac;
    private final IssuedCertificate bankServerCa;
    private final IssuedCertificate serverCertificate;

    private TestPki(Path directory, String password, String clientId, IssuedCertificate qtspCa, IssuedCertificate qwac,
            IssuedCertificate rogueCa, IssuedCertificate untrustedClient, IssuedCertificate expiredQwac,
            IssuedCertificate bankServerCa, IssuedCertificate serverCertificate) {
        this.directory = directory;
        this.password = password;
        this.clientId = clientId;
        this.qtspCa = qtspCa;
        this.qwac = qwac;
        this.rogueCa = rogueCa;
        this.untrustedClient = untrustedClient;
        this.expiredQwac = expiredQwac;
        this.bankServerCa = bankServerCa;
        this.serverCertificate = serverCertificate;
    }

    /** Generates a fresh PKI for {@value #DEFAULT_CLIENT_ID} into {@code dir}, overwriting earlier files. */
    public static TestPki generate(Path dir) {
        return generate(dir, DEFAULT_CLIENT_ID);
    }

    /** Generates a fresh PKI whose QWACs carry {@code clientId} into {@code dir}, overwriting earlier files. */
    public static TestPki generate(Path dir, String clientId) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clientId, "clientId");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String password = randomPassword();
        Instant now = Instant.now();

        IssuedCertificate qtspCa = createRootCa(QTSP_CA_DN);
        ClientCertificateSpec qwacSpec = ClientCertificateSpec.qwac(qtspCa).withOrganizationIdentifier(clientId);
        IssuedCertificate qwac = issueClientCertificate(qwacSpec);
        // Same subject as the real QWAC, so only the issuer tells them apart.
        IssuedCertificate rogueCa = createRootCa(ROGUE_CA_DN);
        IssuedCertificate untrustedClient = issueClientCertificate(qwacSpec.withIssuer(rogueCa));
        IssuedCertificate expiredQwac = issueClientCertificate(
                qwacSpec.withValidity(now.minus(VALIDITY).minus(BACKDATING), now.minus(BACKDATING)));
        IssuedCertificate bankServerCa = createRootCa(BANK_SERVER_CA_DN);
        IssuedCertificate serverCertificate = issueLocalhostServerCertificate(bankServerCa);

        TestPki pki = new TestPki(dir, password, clientId, qtspCa, qwac, rogueCa, untrustedClient, expiredQwac,
                bankServerCa, serverCertificate);
        pki.writeFiles();
        return pki;
    }

    /** Creates a self-signed EC P-256 root CA with the given distinguished name, valid from yesterday for a year. */
    public static IssuedCertificate createRootCa(String distinguishedName) {
        KeyPair keyPair = newKeyPair();
        X500Name name = new X500Name(distinguishedName);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, newSerialNumber(),
                Date.from(now.minus(BACKDATING)), Date.from(now.plus(VALIDITY)), name, keyPair.getPublic());
        try {
            JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build CA extensions", e);
        }
        X509Certificate certificate = sign(builder, keyPair.getPrivate());
        return new IssuedCertificate(keyPair.getPrivate(), certificate, List.of(certificate));
    }

    /** Issues a PSD2 client certificate (QWAC profile: clientAuth, qcStatements with the PSD2 roles) from a spec. */
    public static IssuedCertificate issueClientCertificate(ClientCertificateSpec spec) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, spec.country())
                .addRDN(BCStyle.O, spec.organization())
                .addRDN(BCStyle.ORGANIZATION_IDENTIFIER, spec.organizationIdentifier())
                .addRDN(BCStyle.CN, spec.commonName())
                .build();
        KeyPair keyPair = newKeyPair();
        X509Certificate issuerCertificate = spec.issuer().certificate();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerCertificate, newSerialNumber(),
                Date.from(spec.notBefore()), Date.from(spec.notAfter()), subject, keyPair.getPublic());
        try {
            addLeafExtensions(builder, keyPair, issuerCertificate, KeyUsage.digitalSignature,
                    KeyPurposeId.id_kp_clientAuth);
            builder.addExtension(Extension.qCStatements, false, qcStatements(spec));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build client certificate extensions", e);
        }
        X509Certificate certificate = sign(builder, spec.issuer().privateKey());
        return new IssuedCertificate(keyPair.getPrivate(), certificate, chainOf(certificate, spec.issuer()));
    }

    /** Writes a client key store (alias {@value #CLIENT_KEY_ALIAS}, this PKI's password) into this PKI's directory. */
    public Path writeClientKeyStore(IssuedCertificate client, String fileName) {
        Path file = directory.resolve(fileName);
        client.writePkcs12(file, CLIENT_KEY_ALIAS, password);
        return file;
    }

    /** Returns the password of every key store written by this PKI. */
    public String password() {
        return password;
    }

    /** Returns the organizationIdentifier carried by the QWACs, i.e. the OAuth2 client_id. */
    public String clientId() {
        return clientId;
    }

    /** Returns the directory holding the generated files. */
    public Path directory() {
        return directory;
    }

    /** Returns {@code qwac.p12}: the valid QWAC key and chain [leaf, QTSP CA]. */
    public Path qwacKeyStore() {
        return directory.resolve(QWAC_FILE);
    }

    /** Returns {@code untrusted-client.p12}: a QWAC look-alike chained to the rogue CA. */
    public Path untrustedClientKeyStore() {
        return directory.resolve(UNTRUSTED_CLIENT_FILE);
    }

    /** Returns {@code expired-qwac.p12}: a QTSP-issued QWAC whose validity ended yesterday. */
    public Path expiredQwacKeyStore() {
        return directory.resolve(EXPIRED_QWAC_FILE);
    }

    /** Returns {@code simulator-server.p12}: the bank simulator's localhost key and chain. */
    public Path serverKeyStore() {
        return directory.resolve(SERVER_KEY_STORE_FILE);
    }

    /** Returns {@code client-truststore.p12}: the bank server CA as the only trusted certificate. */
    public Path clientTrustStore() {
        return directory.resolve(CLIENT_TRUST_STORE_FILE);
    }

    /** Returns {@code qtsp-ca.pem}: the QTSP CA certificate in PEM. */
    public Path qtspCaPem() {
        return directory.resolve(QTSP_CA_PEM_FILE);
    }

    /** Returns the QTSP CA certificate (the trust anchor banks use for QWACs). */
    public X509Certificate qtspCa() {
        return qtspCa.certificate();
    }

    /** Returns the QTSP CA with its private key, to issue certificate variants from a trusted issuer. */
    public IssuedCertificate qtspCaCredential() {
        return qtspCa;
    }

    /** Returns the valid QWAC certificate. */
    public X509Certificate qwacCertificate() {
        return qwac.certificate();
    }

    /** Returns the valid QWAC with its key. */
    public IssuedCertificate qwac() {
        return qwac;
    }

    /** Returns the rogue CA certificate that issued the untrusted client certificate. */
    public X509Certificate rogueCa() {
        return rogueCa.certificate();
    }

    /** Returns the untrusted client certificate. */
    public X509Certificate untrustedClientCertificate() {
        return untrustedClient.certificate();
    }

    /** Returns the expired QWAC certificate. */
    public X509Certificate expiredQwacCertificate() {
        return expiredQwac.certificate();
    }

    /** Returns the CA that issued the bank simulator's server certificate. */
    public X509Certificate bankServerCa() {
        return bankServerCa.certificate();
    }

    /** Returns the bank simulator's server certificate (CN=localhost). */
    public X509Certificate serverCertificate() {
        return serverCertificate.certificate();
    }

    private void writeFiles() {
        qwac.writePkcs12(qwacKeyStore(), CLIENT_KEY_ALIAS, password);
        untrustedClient.writePkcs12(untrustedClientKeyStore(), CLIENT_KEY_ALIAS, password);
        expiredQwac.writePkcs12(expiredQwacKeyStore(), CLIENT_KEY_ALIAS, password);
        serverCertificate.writePkcs12(serverKeyStore(), SERVER_KEY_ALIAS, password);
        try {
            KeyStore trustStore = emptyPkcs12();
            trustStore.setCertificateEntry(BANK_SERVER_CA_ALIAS, bankServerCa.certificate());
            store(trustStore, clientTrustStore(), password);
            Files.writeString(qtspCaPem(), toPem(qtspCa.certificate()), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the client trust store", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static IssuedCertificate issueLocalhostServerCertificate(IssuedCertificate issuer) {
        KeyPair keyPair = newKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer.certificate(), newSerialNumber(),
                Date.from(now.minus(BACKDATING)), Date.from(now.plus(VALIDITY)), new X500Name("CN=localhost"),
                keyPair.getPublic());
        try {
            addLeafExtensions(builder, keyPair, issuer.certificate(), KeyUsage.digitalSignature,
                    KeyPurposeId.id_kp_serverAuth);
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1") }));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build server certificate extensions", e);
        }
        X509Certificate certificate = sign(builder, issuer.privateKey());
        return new IssuedCertificate(keyPair.getPrivate(), certificate, chainOf(certificate, issuer));
    }

    /**
     * Issues the certificate of one cluster node for the JGroups TLS channel: server and client authentication,
     * for 127.0.0.1 and localhost, from the cluster's own CA.
     */
    public static IssuedCertificate issueClusterNodeCertificate(IssuedCertificate clusterCa, String nodeName) {
        KeyPair keyPair = newKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(clusterCa.certificate(), newSerialNumber(),
                Date.from(now.minus(BACKDATING)), Date.from(now.plus(VALIDITY)), new X500Name("CN=" + nodeName),
                keyPair.getPublic());
        try {
            addLeafExtensions(builder, keyPair, clusterCa.certificate(), KeyUsage.digitalSignature,
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1") }));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build cluster node certificate extensions", e);
        }
        X509Certificate certificate = sign(builder, clusterCa.privateKey());
        return new IssuedCertificate(keyPair.getPrivate(), certificate, chainOf(certificate, clusterCa));
    }

    /** Writes a PKCS12 trust store holding {@code ca} (alias {@code ca}) with this PKI's password. */
    public Path writeTrustStore(X509Certificate ca, String fileName) {
        Path file = directory.resolve(fileName);
        try {
            KeyStore trustStore = emptyPkcs12();
            trustStore.setCertificateEntry("ca", ca);
            store(trustStore, file, password);
            return file;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the trust store " + fileName, e);
        }
    }

    private static void addLeafExtensions(X509v3CertificateBuilder builder, KeyPair keyPair,
            X509Certificate issuerCertificate, int keyUsage, KeyPurposeId... purposes)
            throws CertIOException, GeneralSecurityException {
        JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()));
        builder.addExtension(Extension.authorityKeyIdentifier, false,
                extensionUtils.createAuthorityKeyIdentifier(issuerCertificate));
    }

    /** QCStatements ::= SEQUENCE OF QCStatement, with QcCompliance and the PSD2 statement of ETSI TS 119 495. */
    private static DERSequence qcStatements(ClientCertificateSpec spec) {
        ASN1EncodableVector roles = new ASN1EncodableVector();
        for (PspRole role : spec.roles()) {
            roles.add(new DERSequence(new ASN1Encodable[] {
                    new ASN1ObjectIdentifier(role.oid()), new DERUTF8String(role.name()) }));
        }
        DERSequence psd2QcType = new DERSequence(new ASN1Encodable[] {
                new DERSequence(roles), new DERUTF8String(spec.ncaName()), new DERUTF8String(spec.ncaId()) });
        return new DERSequence(new ASN1Encodable[] {
                new QCStatement(ETSIQCObjectIdentifiers.id_etsi_qcs_QcCompliance),
                new QCStatement(new ASN1ObjectIdentifier(PSD2_QC_STATEMENT_OID), psd2QcType) });
    }

    private static List<X509Certificate> chainOf(X509Certificate leaf, IssuedCertificate issuer) {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        chain.addAll(issuer.chain());
        return chain;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).setProvider(BC).build(signingKey);
            // Converted with the default JDK factory so the result behaves like any certificate read from a key store.
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign certificate", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(KEY_ALGORITHM);
            generator.initialize(new ECGenParameterSpec(CURVE), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is not available", e);
        }
    }

    private static BigInteger newSerialNumber() {
        // Positive and non-zero, as RFC 5280 requires; 63 random bits are plenty for a test PKI.
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }

    private static String randomPassword() {
        StringBuilder password = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            password.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return password.toString();
    }

    private static KeyStore emptyPkcs12() throws GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try {
            keyStore.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keyStore;
    }

    private static void store(KeyStore keyStore, Path file, String password) throws GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            keyStore.store(out, password.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String toPem(X509Certificate certificate) throws GeneralSecurityException {
        Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] { '\n' });
        return "-----BEGIN CERTIFICATE-----\n" + encoder.encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }
}
