package io.psd2token.error;

/**
 * The certificate the server presents is not a PSD2 QWAC the library can use; {@link #problem()} names the part
 * that is wrong and the message says what to change.
 *
 * <p>Messages quote only public certificate fields (subject, serial, organizationIdentifier), never key material.
 */
public final class InvalidQwacException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** Which part of the certificate is wrong. */
    public enum Problem {
        /** The certificate's encoding could not be read. */
        UNREADABLE,
        /** The subject has no organizationIdentifier (OID 2.5.4.97), so there is no client_id to send. */
        MISSING_ORGANIZATION_IDENTIFIER,
        /** The subject has more than one organizationIdentifier, so the client_id is ambiguous. */
        AMBIGUOUS_ORGANIZATION_IDENTIFIER,
        /** The organizationIdentifier is not in the PSD2 form of ETSI TS 119 495 §5.2.1. */
        MALFORMED_ORGANIZATION_IDENTIFIER,
        /** The qcStatements extension or its PSD2 statement is not encoded as ETSI TS 119 495 §5.1 defines. */
        MALFORMED_QC_STATEMENTS,
        /** The QWAC does not carry the PSD2 role a requested scope needs (with {@code psd2.identity.role-check=refuse}). */
        MISSING_PSP_ROLE
    }

    /** Which part of the certificate is wrong; serialized with the error. */
    private final Problem problem;

    public InvalidQwacException(String bkcode, Problem problem, String message, Throwable cause) {
        super(bkcode, message, cause);
        this.problem = problem;
    }

    public InvalidQwacException(Problem problem, String message) {
        this(null, problem, message, null);
    }

    /**
     * Which part of the certificate is wrong.
     *
     * @return the problem, for code that reacts to one cause (e.g. a missing role) without parsing the message
     */
    public Problem problem() {
        return problem;
    }

    private InvalidQwacException(InvalidQwacException original) {
        super(original);
        this.problem = original.problem;
    }

    @Override
    public InvalidQwacException replay() {
        return new InvalidQwacException(this);
    }
}
