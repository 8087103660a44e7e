package io.psd2token.token;

import io.psd2token.BankTokenException;

/** The bank answered HTTP 200 but its token response breaks a rule of RFC 6749 §5.1; the message names it. */
public final class InvalidTokenResponseException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    InvalidTokenResponseException(String bkcode, String rule) {
        super(bkcode, "invalid token response: " + rule, null);
    }
}
