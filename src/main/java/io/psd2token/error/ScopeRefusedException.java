package io.psd2token.error;

/**
 * A scope a caller asked for was refused before any request: it is too long, not made of the PSD2 roles the
 * library knows ({@code pisp}, {@code aisp}, {@code cbpii}, {@code piisp}) or of those configured with
 * {@code psd2.scope.extra-roles}, or the bank already has {@code psd2.max-scopes-per-bank} scopes in use.
 * Nothing is sent to the bank and nothing is cached for it.
 */
public final class ScopeRefusedException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /**
     * @param bkcode the bank asked, or {@code null}
     * @param message why, and what to change
     */
    public ScopeRefusedException(String bkcode, String message) {
        super(bkcode, message, null);
    }

    private ScopeRefusedException(ScopeRefusedException original) {
        super(original);
    }

    @Override
    public ScopeRefusedException replay() {
        return new ScopeRefusedException(this);
    }
}
