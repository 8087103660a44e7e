package io.psd2token.error;

/**
 * The bank issued a token of a type other than {@code Bearer}, e.g. {@code MAC}; it is never used, because
 * the STET API authenticates calls with RFC 6750 bearer tokens only.
 */
public final class UnsupportedTokenTypeException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** The announced token type, bounded as {@link #tokenType()} says; serialized with the error. */
    private final String tokenType;

    public UnsupportedTokenTypeException(String bkcode, String tokenType) {
        super(bkcode, "the bank issued a token of type \"" + tokenType + "\"; only Bearer tokens (RFC 6750) are"
                + " supported, so it was discarded. Ask the bank for Bearer tokens for this client.", null);
        this.tokenType = tokenType;
    }

    /**
     * The token type the bank announced (bounded).
     *
     * @return the {@code token_type} as the bank wrote it, without control characters and cut after 20
     *         characters (then ending in {@code ...}), so it is safe to log
     */
    public String tokenType() {
        return tokenType;
    }

    private UnsupportedTokenTypeException(UnsupportedTokenTypeException original) {
        super(original);
        this.tokenType = original.tokenType;
    }

    @Override
    public UnsupportedTokenTypeException replay() {
        return new UnsupportedTokenTypeException(this);
    }
}
