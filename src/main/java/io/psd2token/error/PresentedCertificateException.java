package io.psd2token.error;

/**
 * The handshake that reads which client certificate the server presents to a bank did not yield one;
 * {@link #reason()} tells a configuration error from a bank that could not be reached.
 */
public final class PresentedCertificateException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** Why no certificate was obtained. */
    public enum Reason {
        /**
         * The handshake completed without a client certificate: the SSL context has no key-manager holding the
         * QWAC. Retrying does not help; the Elytron configuration must change.
         */
        NO_CERTIFICATE,
        /**
         * The TLS handshake failed: the bank's certificate is not trusted or does not cover the host, or the bank
         * ended the handshake (with TLS 1.2 that is how a bank answers a missing or refused client certificate).
         */
        HANDSHAKE_FAILED,
        /** No TCP connection, or no answer within the read timeout: a network or bank outage, worth retrying. */
        UNREACHABLE
    }

    /** Why no certificate was obtained; serialized with the error. */
    private final Reason reason;

    public PresentedCertificateException(Reason reason, String message, Throwable cause) {
        super(null, message, cause);
        this.reason = reason;
    }

    /**
     * Why no certificate was obtained.
     *
     * @return the reason; only {@link Reason#UNREACHABLE} is worth retrying
     */
    public Reason reason() {
        return reason;
    }

    private PresentedCertificateException(PresentedCertificateException original) {
        super(original);
        this.reason = original.reason;
    }

    @Override
    public PresentedCertificateException replay() {
        return new PresentedCertificateException(this);
    }
}
