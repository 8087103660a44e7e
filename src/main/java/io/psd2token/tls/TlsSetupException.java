package io.psd2token.tls;

import io.psd2token.BankTokenException;

/**
 * The server's Elytron configuration gives no usable SSL context for a bank's URI, so the QWAC would not be
 * presented; nothing was sent.
 */
public final class TlsSetupException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    TlsSetupException(String message, Throwable cause) {
        super(null, message, cause);
    }
}
