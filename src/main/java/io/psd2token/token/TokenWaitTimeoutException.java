package io.psd2token.token;

import io.psd2token.BankTokenException;
import java.time.Duration;

/** A caller waited longer than {@code psd2.token-wait-timeout} for a token another caller was fetching. */
public final class TokenWaitTimeoutException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    TokenWaitTimeoutException(String bkcode, Duration waited) {
        super(bkcode, "no token after waiting " + waited.toMillis() + " ms for the request already in flight;"
                + " the bank is slow or unreachable. Check the bank's availability, psd2.request-timeout and"
                + " psd2.token-wait-timeout.", null);
    }
}
