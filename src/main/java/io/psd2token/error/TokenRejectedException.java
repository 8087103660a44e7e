package io.psd2token.error;

/**
 * The bank's API answered 403 "Invalid token" to a call carrying a token just fetched for it, after the
 * call had already been re-sent once with a new token; the call is not sent again.
 */
public final class TokenRejectedException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** @param bkcode the bank whose API rejected the token */
    public TokenRejectedException(String bkcode) {
        this(bkcode, null, null);
    }

    /**
     * @param bkcode the bank whose API rejected the token
     * @param requestId the X-Request-ID of the second call, or {@code null}
     * @param correlationId the bank's correlation id of the second call, or {@code null}
     */
    public TokenRejectedException(String bkcode, String requestId, String correlationId) {
        super(bkcode, "the bank's API rejected a newly issued token with 403 \"Invalid token\"; the call was"
                + " re-sent once and not again. The token endpoint and the API may belong to different"
                + " environments (live/sandbox): check psd2.token-endpoint-template and psd2.api-base-template"
                + BankRateLimitedException.ids(requestId, correlationId) + ".", null);
    }

    private TokenRejectedException(TokenRejectedException original) {
        super(original);
    }

    @Override
    public TokenRejectedException replay() {
        return new TokenRejectedException(this);
    }
}
