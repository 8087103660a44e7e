package io.psd2token.error;

import java.time.Duration;

/** A caller waited longer than {@code psd2.token-wait-timeout} for a token another caller was fetching. */
public final class TokenWaitTimeoutException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    public TokenWaitTimeoutException(String bkcode, Duration waited) {
        super(bkcode, "no token after waiting " + waited.toMillis() + " ms for the request already in flight;"
                + " the bank is slow or unreachable. Check the bank's availability, psd2.request-timeout and"
                + " psd2.token-wait-timeout.", null);
    }

    private TokenWaitTimeoutException(TokenWaitTimeoutException original) {
        super(original);
    }

    @Override
    public TokenWaitTimeoutException replay() {
        return new TokenWaitTimeoutException(this);
    }
}
