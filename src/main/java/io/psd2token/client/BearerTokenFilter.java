package io.psd2token.client;

import io.psd2token.BankTokens;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Objects;

/**
 * Adds {@code Authorization: Bearer <token>} of one bank to every request of a JAX-RS or MP Rest Client.
 */
public final class BearerTokenFilter implements ClientRequestFilter {

    private final BankTokens tokens;
    private final String bkcode;

    /**
     * @param tokens the token manager
     * @param bkcode the bank every request of the client goes to
     */
    public BearerTokenFilter(BankTokens tokens, String bkcode) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.bkcode = Objects.requireNonNull(bkcode, "bkcode");
    }

    @Override
    public void filter(ClientRequestContext request) {
        request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, tokens.token(bkcode).authorizationHeader());
    }

    @Override
    public String toString() {
        return "BearerTokenFilter[bank=" + bkcode + "]";
    }
}
