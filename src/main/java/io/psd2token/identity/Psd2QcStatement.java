package io.psd2token.identity;

import io.psd2token.error.InvalidQwacException;
import io.psd2token.error.InvalidQwacException.Problem;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1UniversalString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.qualified.QCStatement;

/**
 * The PSD2 QCStatement of a QWAC (ETSI TS 119 495 §5.1): the roles the competent authority granted and the
 * authority's name and identifier. Read from the qcStatements extension (RFC 3739 §3.2.6).
 *
 * <pre>
 * PSD2QcType ::= SEQUENCE { rolesOfPSP RolesOfPSP, nCAName NCAName, nCAId NCAId }
 * RolesOfPSP ::= SEQUENCE OF RoleOfPSP
 * RoleOfPSP  ::= SEQUENCE { roleOfPspOid RoleOfPspOid, roleOfPspName RoleOfPspName }
 * </pre>
 */
record Psd2QcStatement(Set<PspRole> roles, String ncaName, String ncaId) {

    /** The statement id {@code id-etsi-psd2-qcStatement}. */
    static final ASN1ObjectIdentifier STATEMENT_ID = new ASN1ObjectIdentifier("0.4.0.19495.2");

    Psd2QcStatement {
        roles = Collections.unmodifiableSet(roles.isEmpty() ? EnumSet.noneOf(PspRole.class) : EnumSet.copyOf(roles));
    }

    /**
     * Reads the PSD2 statement of a certificate.
     *
     * @param certificate the QWAC
     * @param described how messages name the certificate, e.g. its subject and serial
     * @return empty when the certificate has no qcStatements extension or no PSD2 statement in it
     * @throws InvalidQwacException with {@link Problem#MALFORMED_QC_STATEMENTS} when the extension or the PSD2
     *         statement is not encoded as RFC 3739 and ETSI TS 119 495 define
     */
    static Optional<Psd2QcStatement> read(X509Certificate certificate, String described) {
        byte[] extension = certificate.getExtensionValue(Extension.qCStatements.getId());
        if (extension == null) {
            return Optional.empty();
        }
        ASN1Sequence statements;
        try {
            // getExtensionValue returns the extnValue OCTET STRING itself; its content is the DER of the value.
            byte[] value = ASN1OctetString.getInstance(extension).getOctets();
            statements = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(value));
        } catch (IOException | IllegalArgumentException e) {
            throw malformed(described, "its qcStatements extension is not a DER SEQUENCE of statements", e);
        }
        Psd2QcStatement found = null;
        for (ASN1Encodable element : statements) {
            QCStatement statement;
            try {
                statement = QCStatement.getInstance(element);
            } catch (IllegalArgumentException e) {
                throw malformed(described, "an element of its qcStatements extension is not a QCStatement", e);
            }
            if (!STATEMENT_ID.equals(statement.getStatementId())) {
                continue;
            }
            if (found != null) {
                throw malformed(described, "its qcStatements extension holds the PSD2 statement twice", null);
            }
            found = parse(statement.getStatementInfo(), described);
        }
        return Optional.ofNullable(found);
    }

    private static Psd2QcStatement parse(ASN1Encodable info, String described) {
        try {
            ASN1Sequence type = ASN1Sequence.getInstance(info);
            // ETSI defines exactly three fields; fields a later version might append are ignored.
            if (type == null || type.size() < 3) {
                throw malformed(described, "its PSD2 statement is not a SEQUENCE of roles, NCA name and NCA id",
                        null);
            }
            Set<PspRole> roles = EnumSet.noneOf(PspRole.class);
            for (ASN1Encodable element : ASN1Sequence.getInstance(type.getObjectAt(0))) {
                ASN1Sequence role = ASN1Sequence.getInstance(element);
                if (role.size() != 2 || text(role.getObjectAt(1)) == null) {
                    throw malformed(described, "a role in its PSD2 statement is not a SEQUENCE of OID and name",
                            null);
                }
                // The OID is authoritative; the name (e.g. "PSP_PI") is only a label. Unknown OIDs are skipped.
                PspRole.ofOid(ASN1ObjectIdentifier.getInstance(role.getObjectAt(0)).getId()).ifPresent(roles::add);
            }
            String ncaName = text(type.getObjectAt(1));
            String ncaId = text(type.getObjectAt(2));
            if (ncaName == null || ncaId == null) {
                throw malformed(described, "the NCA name or NCA id in its PSD2 statement is not a UTF8String", null);
            }
            return new Psd2QcStatement(roles, ncaName, ncaId);
        } catch (IllegalArgumentException e) {
            throw malformed(described, "its PSD2 statement (" + STATEMENT_ID + ") is not encoded as ETSI TS 119 495"
                    + " §5.1 defines", e);
        }
    }

    /** The text of a string type, or null for anything else (a UniversalString reads as hex in BouncyCastle). */
    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String s && !(value instanceof ASN1UniversalString) ? s.getString() : null;
    }

    private static InvalidQwacException malformed(String described, String what, Throwable cause) {
        return new InvalidQwacException(null, Problem.MALFORMED_QC_STATEMENTS, "the client certificate " + described
                + " is not a usable PSD2 QWAC: " + what + ". The certificate is defective: ask the QTSP that issued"
                + " it for a QWAC whose PSD2 statement follows ETSI TS 119 495, and load that into the Elytron"
                + " key-store", cause);
    }
}
