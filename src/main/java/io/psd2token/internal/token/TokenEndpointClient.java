package io.psd2token.internal.token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.RequestStyle;
import io.psd2token.bank.Scope;
import io.psd2token.error.ConfigurationException;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.token.AccessToken;
import jakarta.json.bind.Jsonb;
import java.net.URI;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One bank's token endpoint: the client credentials request in the bank's {@link RequestStyle}, sent over the
 * {@link BankHttp} seam, and the answer read by the one {@link TokenResponseParser}.
 */
final class TokenEndpointClient {

    private final BankHttp http;
    private final Supplier<String> clientId;
    private final TokenResponseParser parser;

    /**
     * @param clientId gives the TPP's client_id; {@code null} (or a typed error) when none is known, and every
     *        request then fails saying what to set
     */
    TokenEndpointClient(BankHttp http, Supplier<String> clientId, Jsonb jsonb, TokenPolicy policy) {
        this.http = http;
        this.clientId = clientId;
        this.parser = new TokenResponseParser(jsonb, policy);
    }

    /** Prepares the reading of answers before the first one arrives. */
    void warmUp() {
        parser.warmUp();
    }

    /** Sends the request; the future is the bank's answer, whatever its status. */
    CompletableFuture<HttpReply> send(BankEndpoints endpoints, Scope scope) {
        ClientCredentialsGrant grant = grant(endpoints, scope);
        RequestStyle style = endpoints.requestStyle();
        URI uri = endpoints.tokenEndpoint();
        if (style.inQuery()) {
            String query = uri.getRawQuery() == null ? grant.formBody() : uri.getRawQuery() + "&" + grant.formBody();
            uri = URI.create(uri.toString().split("\\?", 2)[0] + "?" + query);
        }
        return http.postForm(uri, style.inBody() ? grant.formBody() : "");
    }

    /** Applies every response rule; the lifetime counts from {@code sentAt}. */
    AccessToken read(BankEndpoints endpoints, Scope requested, HttpReply reply, Instant sentAt) {
        return parser.parse(endpoints.bank(), requested, reply, sentAt);
    }

    private ClientCredentialsGrant grant(BankEndpoints endpoints, Scope scope) {
        String id = clientId.get();
        if (id == null) {
            throw new ConfigurationException(endpoints.bank().value(), "psd2.client-id is not set and the QWAC"
                    + " could not be read at start: set it to the organizationIdentifier of the QWAC, e.g."
                    + " PSDFR-ACPR-12345");
        }
        return new ClientCredentialsGrant(id, scope);
    }
}
