package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;

/**
 * Checked before any token request is started, on every path (blocking, asynchronous, background refresh,
 * warm-up): e.g. that the QWAC carries the PSD2 role a scope needs. A refusal is thrown to the caller and no
 * request leaves; the gate itself decides what to remember (only checks that passed, so a refusal is repeated).
 */
@FunctionalInterface
public interface RequestGate {

    /** Lets every request through. */
    RequestGate OPEN = (bank, scope) -> {
    };

    /**
     * @param bank the bank about to be asked
     * @param scope the scope about to be asked for
     * @throws io.psd2token.error.BankTokenException to refuse the request
     */
    void check(Bkcode bank, Scope scope);
}
