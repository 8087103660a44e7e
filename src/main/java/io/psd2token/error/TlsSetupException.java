package io.psd2token.error;

/**
 * The server's Elytron configuration gives no usable SSL context for a bank's URI, so the QWAC would not be
 * presented; nothing was sent.
 */
public final class TlsSetupException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    public TlsSetupException(String message, Throwable cause) {
        super(null, message, cause);
    }

    private TlsSetupException(TlsSetupException original) {
        super(original);
    }

    @Override
    public TlsSetupException replay() {
        return new TlsSetupException(this);
    }
}
