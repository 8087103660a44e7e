package io.psd2token.identity;

import io.psd2token.bank.Scope;
import io.psd2token.error.InvalidQwacException;
import io.psd2token.error.SafeText;
import io.psd2token.error.InvalidQwacException.Problem;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1UniversalString;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Who the TPP is, as its eIDAS QWAC says: the organizationIdentifier that is its OAuth2 {@code client_id}, the PSD2
 * roles and competent authority of the PSD2 QCStatement (ETSI TS 119 495), and the certificate's subject, issuer,
 * serial number and validity.
 *
 * <p>Immutable. Holds only public certificate fields, never the certificate's key, so {@link #toString()} is safe to
 * log. A certificate without a PSD2 QCStatement still gives an identity: {@link #hasPsd2Statement()} is false and
 * {@link #roles()} empty, and the role check reports it.
 */
public final class TppIdentity {

    /** Below this much remaining validity, {@link #expiryStatus(Clock)} reports {@link ExpiryStatus#EXPIRES_SOON}. */
    public static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    /** OID of the organizationIdentifier attribute (X.520, ETSI EN 319 412-1 §5.1.4). */
    public static final String ORGANIZATION_IDENTIFIER_OID = "2.5.4.97";

    // The JDK prints unknown attributes as hex; name 2.5.4.97 so subjects read as they do in a certificate viewer.
    private static final Map<String, String> DN_KEYWORDS =
            Map.of(ORGANIZATION_IDENTIFIER_OID, "organizationIdentifier");
    private static final int MAX_SHOWN = 256;

    /** Where the certificate stands in its validity period. */
    public enum ExpiryStatus {
        /** Before notBefore: banks refuse it until then. */
        NOT_YET_VALID,
        /** Valid, with at least {@link #EXPIRY_WARNING} left. */
        VALID,
        /** Valid, with less than {@link #EXPIRY_WARNING} left: time to renew. */
        EXPIRES_SOON,
        /** After notAfter: banks refuse every token request. */
        EXPIRED
    }

    private final String subject;
    private final String issuer;
    private final String serialNumber;
    private final Instant notBefore;
    private final Instant notAfter;
    private final OrganizationIdentifier organizationIdentifier;
    private final Set<PspRole> roles;
    private final boolean psd2Statement;
    private final String ncaName;
    private final String ncaId;
    private final String sha256Fingerprint;

    private TppIdentity(X509Certificate certificate, String subject, OrganizationIdentifier organizationIdentifier,
            Optional<Psd2QcStatement> statement, String sha256Fingerprint) {
        this.subject = subject;
        this.issuer = rfc2253(certificate.getIssuerX500Principal());
        this.serialNumber = serialNumber(certificate);
        this.notBefore = certificate.getNotBefore().toInstant();
        this.notAfter = certificate.getNotAfter().toInstant();
        this.organizationIdentifier = organizationIdentifier;
        this.psd2Statement = statement.isPresent();
        this.roles = statement.map(Psd2QcStatement::roles).orElse(Collections.unmodifiableSet(
                EnumSet.noneOf(PspRole.class)));
        this.ncaName = statement.map(Psd2QcStatement::ncaName).orElse(null);
        this.ncaId = statement.map(Psd2QcStatement::ncaId).orElse(null);
        this.sha256Fingerprint = sha256Fingerprint;
    }

    /**
     * Reads the identity from the TPP's QWAC.
     *
     * @param certificate the QWAC, e.g. from {@link PresentedCertificate#certificate()}
     * @return the identity, holding only public fields of the certificate
     * @throws InvalidQwacException when the subject has no, several, or a malformed organizationIdentifier, or the
     *         qcStatements extension is malformed; the message says what to change
     */
    public static TppIdentity of(X509Certificate certificate) {
        Objects.requireNonNull(certificate, "certificate");
        String subject = rfc2253(certificate.getSubjectX500Principal());
        String described = "(subject \"" + printable(subject) + "\", serial " + serialNumber(certificate) + ")";
        String fingerprint = fingerprint(certificate, described);
        OrganizationIdentifier organizationIdentifier = organizationIdentifier(certificate, described);
        Optional<Psd2QcStatement> statement = Psd2QcStatement.read(certificate, described);
        return new TppIdentity(certificate, subject, organizationIdentifier, statement, fingerprint);
    }

    private static OrganizationIdentifier organizationIdentifier(X509Certificate certificate, String described) {
        List<ASN1Encodable> values = new ArrayList<>();
        try {
            X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
            // Looked for in every RDN, multi-valued ones included, so a second value cannot hide.
            for (RDN rdn : name.getRDNs()) {
                for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
                    if (BCStyle.ORGANIZATION_IDENTIFIER.equals(attribute.getType())) {
                        values.add(attribute.getValue());
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidQwacException(null, Problem.UNREADABLE, "the subject of the client certificate "
                    + described + " cannot be decoded; load a QWAC issued by a QTSP into the Elytron key-store", e);
        }
        if (values.isEmpty()) {
            throw new InvalidQwacException(Problem.MISSING_ORGANIZATION_IDENTIFIER, "the client certificate "
                    + described + " has no organizationIdentifier (OID " + ORGANIZATION_IDENTIFIER_OID + ") in its"
                    + " subject, so it is not a PSD2 QWAC and gives no client_id. Check that the key-store behind"
                    + " the Elytron client-ssl-context holds the QWAC, not another certificate; a PSD2 QWAC carries"
                    + " the organizationIdentifier PSD<country>-<authority>-<authorisation number> (ETSI TS 119 495"
                    + " §5.2.1)");
        }
        if (values.size() > 1) {
            throw new InvalidQwacException(Problem.AMBIGUOUS_ORGANIZATION_IDENTIFIER, "the client certificate "
                    + described + " has " + values.size() + " organizationIdentifier attributes in its subject, so"
                    + " its client_id is ambiguous; ask the QTSP for a QWAC with exactly one");
        }
        ASN1Encodable value = values.get(0);
        if (!(value instanceof ASN1String string) || value instanceof ASN1UniversalString) {
            throw new InvalidQwacException(Problem.MALFORMED_ORGANIZATION_IDENTIFIER, "the organizationIdentifier of"
                    + " the client certificate " + described + " is encoded as " + value.getClass().getSimpleName()
                    + ", not as a UTF8String or PrintableString (RFC 5280 §4.1.2.4); ask the QTSP for a corrected"
                    + " QWAC");
        }
        String text = string.getString();
        try {
            return OrganizationIdentifier.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidQwacException(Problem.MALFORMED_ORGANIZATION_IDENTIFIER, "the organizationIdentifier \""
                    + printable(text) + "\" of the client certificate " + described + " is not a PSD2"
                    + " organizationIdentifier (ETSI TS 119 495 §5.2.1): " + e.getMessage() + ". Banks take it as"
                    + " the client_id; check that the Elytron key-store holds the PSD2 QWAC, or ask the QTSP for one");
        }
    }

    /**
     * The subject distinguished name (RFC 2253, organizationIdentifier by name).
     *
     * @return the subject as a certificate viewer shows it, {@code organizationIdentifier=PSDFR-...} rather than
     *         the hex form the JDK prints for OID 2.5.4.97
     */
    public String subject() {
        return subject;
    }

    /**
     * The issuer distinguished name (RFC 2253): the QTSP's CA.
     *
     * @return the issuer, to tell which QTSP to ask for a renewal
     */
    public String issuer() {
        return issuer;
    }

    /**
     * The serial number in upper-case hexadecimal, as certificate viewers and QTSP portals show it.
     *
     * @return the serial number, without separators
     */
    public String serialNumber() {
        return serialNumber;
    }

    /**
     * Start of the validity period.
     *
     * @return the certificate's notBefore; banks refuse the QWAC before it
     */
    public Instant notBefore() {
        return notBefore;
    }

    /**
     * End of the validity period; the certificate is valid through this instant (RFC 5280 §4.1.2.5).
     *
     * @return the certificate's notAfter, the last instant it is valid
     */
    public Instant notAfter() {
        return notAfter;
    }

    /**
     * The subject's organizationIdentifier: the TPP's client_id unless another one is linked.
     *
     * @return the identifier, already checked against ETSI TS 119 495 §5.2.1
     */
    public OrganizationIdentifier organizationIdentifier() {
        return organizationIdentifier;
    }

    /**
     * The PSD2 roles of the QCStatement; empty when the certificate has no PSD2 statement. Role OIDs that ETSI
     * TS 119 495 does not define are left out.
     *
     * @return an unmodifiable set of the roles; see {@link #hasPsd2Statement()} to tell "none" from "unknown"
     */
    public Set<PspRole> roles() {
        return roles;
    }

    /**
     * True if the certificate has the PSD2 QCStatement; if not, its roles are unknown rather than none.
     *
     * @return true if the qcStatements extension holds the PSD2 statement (ETSI TS 119 495 §5.1)
     */
    public boolean hasPsd2Statement() {
        return psd2Statement;
    }

    /**
     * The competent authority's name from the PSD2 statement, e.g. {@code ACPR}.
     *
     * @return the name, or empty when the certificate has no PSD2 statement
     */
    public Optional<String> ncaName() {
        return Optional.ofNullable(ncaName);
    }

    /**
     * The competent authority's identifier from the PSD2 statement, e.g. {@code FR-ACPR}.
     *
     * @return the identifier, or empty when the certificate has no PSD2 statement
     */
    public Optional<String> ncaId() {
        return Optional.ofNullable(ncaId);
    }

    /**
     * SHA-256 of the certificate's DER encoding, upper-case hex: tells a renewed certificate from the old one.
     *
     * @return 64 hexadecimal digits; equal fingerprints mean the same certificate
     */
    public String sha256Fingerprint() {
        return sha256Fingerprint;
    }

    /**
     * The PSD2 roles {@code scope} needs (see {@link ScopeRoles}) that this QWAC does not list.
     *
     * @param scope the scope about to be asked for
     * @return an unmodifiable set of the missing roles; empty when the QWAC covers the scope
     */
    public Set<PspRole> missingRolesFor(Scope scope) {
        Set<PspRole> missing = EnumSet.noneOf(PspRole.class);
        missing.addAll(ScopeRoles.requiredFor(scope));
        missing.removeAll(roles);
        return Collections.unmodifiableSet(missing);
    }

    /**
     * Time left until notAfter on this clock; negative once expired.
     *
     * @param clock the clock to read now from
     * @return the time from the clock's instant to notAfter
     */
    public Duration untilExpiry(Clock clock) {
        return untilExpiry(clock.instant());
    }

    /**
     * Time left from {@code now} until notAfter; negative once expired.
     *
     * @param now the instant to measure from
     * @return the time from {@code now} to notAfter
     */
    public Duration untilExpiry(Instant now) {
        return Duration.between(now, notAfter);
    }

    /**
     * Where the certificate stands on this clock, warning {@link #EXPIRY_WARNING} before notAfter.
     *
     * @param clock the clock to read now from
     * @return the status at the clock's instant
     */
    public ExpiryStatus expiryStatus(Clock clock) {
        return expiryStatus(clock.instant());
    }

    /**
     * Where the certificate stands at {@code now}, warning {@link #EXPIRY_WARNING} before notAfter.
     *
     * @param now the instant to judge at
     * @return {@link ExpiryStatus#NOT_YET_VALID} before notBefore, {@link ExpiryStatus#EXPIRED} after notAfter,
     *         otherwise {@link ExpiryStatus#EXPIRES_SOON} or {@link ExpiryStatus#VALID} by the time left
     */
    public ExpiryStatus expiryStatus(Instant now) {
        if (now.isBefore(notBefore)) {
            return ExpiryStatus.NOT_YET_VALID;
        }
        if (now.isAfter(notAfter)) {
            return ExpiryStatus.EXPIRED;
        }
        return Duration.between(now, notAfter).compareTo(EXPIRY_WARNING) < 0
                ? ExpiryStatus.EXPIRES_SOON : ExpiryStatus.VALID;
    }

    /**
     * A line for the log when the certificate needs attention on this clock: expired, not yet valid, or less than
     * {@link #EXPIRY_WARNING} from expiry. Empty when it is valid for longer.
     *
     * @param clock the clock to read now from
     * @return the warning, naming the QWAC and how to renew it, or empty
     */
    public Optional<String> expiryWarning(Clock clock) {
        return expiryWarning(clock.instant());
    }

    /**
     * As {@link #expiryWarning(Clock)}, at {@code now} (e.g. a {@code TokenClock}'s reading).
     *
     * @param now the instant to judge at
     * @return the warning, naming the QWAC and how to renew it, or empty when it is valid for longer
     */
    public Optional<String> expiryWarning(Instant now) {
        String which = "the QWAC " + printable(organizationIdentifier.value()) + " (serial " + serialNumber + ")";
        String renew = "; renew it with the QTSP and replace the PKCS12 file behind the Elytron key-store (then"
                + " key-store load() and key-manager init(), no reload needed)";
        return switch (expiryStatus(now)) {
            case VALID -> Optional.empty();
            case NOT_YET_VALID -> Optional.of(which + " is not valid before " + notBefore
                    + "; banks refuse it until then");
            case EXPIRES_SOON -> Optional.of(which + " expires at " + notAfter + ", in "
                    + untilExpiry(now).toDays() + " days" + renew);
            case EXPIRED -> Optional.of(which + " expired at " + notAfter + "; banks refuse every token request"
                    + renew);
        };
    }

    @Override
    public boolean equals(Object o) {
        // The fingerprint covers the whole certificate, hence every other field.
        return o instanceof TppIdentity other && sha256Fingerprint.equals(other.sha256Fingerprint);
    }

    @Override
    public int hashCode() {
        return sha256Fingerprint.hashCode();
    }

    /** The identity as reported at start: client_id, roles, authority, subject, issuer, serial, validity. */
    @Override
    public String toString() {
        return "TppIdentity[organizationIdentifier=" + printable(organizationIdentifier.value())
                + ", roles=" + (psd2Statement ? roles.toString() : "unknown (no PSD2 QCStatement)")
                + (psd2Statement ? ", nca=" + printable(ncaName) + " (" + printable(ncaId) + ")" : "")
                + ", subject=" + printable(subject)
                + ", issuer=" + printable(issuer)
                + ", serial=" + serialNumber
                + ", notBefore=" + notBefore
                + ", notAfter=" + notAfter
                + ", sha256=" + sha256Fingerprint + "]";
    }

    /** A distinguished name in RFC 2253 form, with organizationIdentifier by name rather than as hex. */
    static String rfc2253(X500Principal principal) {
        return principal.getName(X500Principal.RFC2253, DN_KEYWORDS);
    }

    private static String serialNumber(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
    }

    private static String fingerprint(X509Certificate certificate, String described) {
        try {
            return HexFormat.of().withUpperCase().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new InvalidQwacException(null, Problem.UNREADABLE, "the client certificate " + described
                    + " cannot be encoded; load a QWAC issued by a QTSP into the Elytron key-store", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * A certificate field as it may go into a message or the log: bounded, without the characters that can forge
     * log lines ({@link SafeText}), so a crafted certificate cannot forge log lines.
     */
    static String printable(String value) {
        return value == null ? "" : SafeText.of(value, MAX_SHOWN);
    }
}
