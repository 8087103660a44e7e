package io.psd2token.http;

import io.psd2token.BankTokenException;

/** No answer came from the bank: connection refused, timed out, or closed before a response. */
public final class BankUnreachableException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    BankUnreachableException(String host, String what, Throwable cause) {
        super(null, host + ": " + what, cause);
    }
}
