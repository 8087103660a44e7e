package io.psd2token.error;

/**
 * The TLS handshake with the bank failed. {@link #side()} tells whose certificate was refused: the bank's
 * (not trusted, wrong host) or ours (the bank did not accept or did not receive the QWAC).
 */
public final class TlsHandshakeException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** Whose certificate the handshake failed on. */
    public enum Side {
        /** Our trust-manager refused the bank's server certificate (untrusted chain or wrong host name). */
        SERVER_CERTIFICATE,
        /** The bank refused our client certificate (the QWAC), or none was presented. */
        CLIENT_CERTIFICATE,
        /** The handshake failed for another reason, e.g. no common protocol version or cipher suite. */
        NEGOTIATION
    }

    /** Whose certificate the handshake failed on; serialized with the error. */
    private final Side side;

    public TlsHandshakeException(String host, Side side, String what, Throwable cause) {
        super(null, host + ": TLS handshake failed: " + what, cause);
        this.side = side;
    }

    /**
     * Whose certificate the handshake failed on.
     *
     * @return the side to fix: the trust store for {@link Side#SERVER_CERTIFICATE}, the QWAC or its Elytron
     *         match rule for {@link Side#CLIENT_CERTIFICATE}
     */
    public Side side() {
        return side;
    }

    private TlsHandshakeException(TlsHandshakeException original) {
        super(original);
        this.side = original.side;
    }

    @Override
    public TlsHandshakeException replay() {
        return new TlsHandshakeException(this);
    }
}
