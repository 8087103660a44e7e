package io.psd2token.token;

import io.psd2token.BankTokenException;

/**
 * Too many callers are already waiting for a token of this bank ({@code psd2.max-waiting-callers}); this one
 * fails at once so that a slow bank cannot hold every request thread of the server.
 */
public final class BankBusyException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    BankBusyException(String bkcode, int waiting) {
        super(bkcode, waiting + " callers are already waiting for this bank's token; the bank is slow. Try again"
                + " shortly, or raise psd2.max-waiting-callers if the server has threads to spare.", null);
    }
}
