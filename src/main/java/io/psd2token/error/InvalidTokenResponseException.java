package io.psd2token.error;

/** The bank answered HTTP 200 but its token response breaks a rule of RFC 6749 §5.1; the message names it. */
public final class InvalidTokenResponseException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    public InvalidTokenResponseException(String bkcode, String rule) {
        super(bkcode, "invalid token response: " + rule, null);
    }

    private InvalidTokenResponseException(InvalidTokenResponseException original) {
        super(original);
    }

    @Override
    public InvalidTokenResponseException replay() {
        return new InvalidTokenResponseException(this);
    }
}
