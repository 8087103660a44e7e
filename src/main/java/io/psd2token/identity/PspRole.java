package io.psd2token.identity;

import java.util.Optional;

/**
 * A PSD2 role of a payment service provider, as the PSD2 QCStatement of a QWAC lists it (ETSI TS 119 495 §5.1,
 * {@code RoleOfPSP}). The national competent authority grants the roles; the QTSP copies them into the QWAC.
 */
public enum PspRole {
    /** Account servicing: a bank (ASPSP). */
    PSP_AS("0.4.0.19495.1.1"),
    /** Payment initiation (PISP). */
    PSP_PI("0.4.0.19495.1.2"),
    /** Account information (AISP). */
    PSP_AI("0.4.0.19495.1.3"),
    /** Issuing of card-based payment instruments (CBPII). */
    PSP_IC("0.4.0.19495.1.4");

    private final String oid;

    PspRole(String oid) {
        this.oid = oid;
    }

    /**
     * The dotted OID that identifies this role in the PSD2 QCStatement ({@code roleOfPspOid}).
     *
     * @return the OID under {@code 0.4.0.19495.1}, e.g. {@code 0.4.0.19495.1.2} for {@link #PSP_PI}
     */
    public String oid() {
        return oid;
    }

    /**
     * The role with this OID, or empty for an OID that ETSI TS 119 495 does not define.
     *
     * @param oid a dotted OID as read from the certificate
     * @return the role, or empty for an unknown OID, which the caller may ignore rather than refuse the QWAC
     */
    public static Optional<PspRole> ofOid(String oid) {
        for (PspRole role : values()) {
            if (role.oid.equals(oid)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
