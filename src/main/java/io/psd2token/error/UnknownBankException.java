package io.psd2token.error;

/**
 * A bank code is malformed or not known; thrown before any URL is built, so no request leaves the server.
 */
public final class UnknownBankException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** @param message which code, why it is refused, and which configuration key adds or enables the bank */
    public UnknownBankException(String message) {
        super(null, message, null);
    }

    private UnknownBankException(UnknownBankException original) {
        super(original);
    }

    @Override
    public UnknownBankException replay() {
        return new UnknownBankException(this);
    }
}
