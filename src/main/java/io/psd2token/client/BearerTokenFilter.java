package io.psd2token.client;

import io.psd2token.BankTokens;
import io.psd2token.token.AccessToken;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Objects;

/**
 * Adds {@code Authorization: Bearer <token>} of one bank to every request of a JAX-RS or MP Rest Client:
 * the token chosen by {@link BankApiClients}' retry wrapper for this call, else the bank's current token.
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
        AccessToken chosen = BankApiCall.CURRENT.get();
        AccessToken token = chosen != null && chosen.bank().value().equals(bkcode) ? chosen : tokens.token(bkcode);
        request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, token.authorizationHeader());
    }

    @Override
    public String toString() {
        return "BearerTokenFilter[bank=" + bkcode + "]";
    }
}
