package io.psd2token.client;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import java.util.UUID;

/**
 * Gives every call to a bank's API the {@code X-Request-ID} that STET requires: a random UUID, unless the
 * application set its own. Errors and the FINE log line of {@link BankApiClients} name it, so an operator can
 * quote it to the bank. Registered by {@link BankApiClients}; register it on your own JAX-RS clients too.
 */
public final class RequestIdFilter implements ClientRequestFilter {

    @Override
    public void filter(ClientRequestContext request) {
        if (request.getHeaderString(ApiAnswer.REQUEST_ID) == null) {
            request.getHeaders().putSingle(ApiAnswer.REQUEST_ID, UUID.randomUUID().toString());
        }
    }
}
