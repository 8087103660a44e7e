package io.psd2token.bank;

import io.psd2token.BankTokenException;

/**
 * A bank code is malformed or not known; thrown before any URL is built, so no request leaves the server.
 */
public final class UnknownBankException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    UnknownBankException(String message) {
        super(null, message, null);
    }
}
