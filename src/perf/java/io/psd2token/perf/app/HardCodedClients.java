package io.psd2token.perf.app;

import io.psd2token.BankTokens;
import io.psd2token.demo.PaymentRequestsApi;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.rest.client.RestClientBuilder;

/**
 * The baseline of the load run: the same MP Rest Client interface, base URI, Elytron SSL context and timeouts as
 * {@code BankApiClients} builds, but the Authorization header is a constant taken once when the client is built
 * (tokens live an hour; a run lasts minutes), with no library filter, retry wrapper or 403 check.
 *
 * <p>It sends an {@code X-Request-ID} (a random UUID per call) because STET asks every API call to carry one and
 * the library's filter is to add it too; while the library does not, this side does slightly more work.
 */
@ApplicationScoped
public class HardCodedClients {

    @Inject
    BankTokens tokens;

    private final Map<String, PaymentRequestsApi> clients = new ConcurrentHashMap<>();

    /** The bank's hard-coded client, built on first use. */
    public PaymentRequestsApi client(String bkcode) {
        return clients.computeIfAbsent(bkcode, this::build);
    }

    private PaymentRequestsApi build(String bkcode) {
        return RestClientBuilder.newBuilder()
                .baseUri(tokens.endpoints(bkcode).apiBase())
                .sslContext(tokens.sslContext(bkcode))
                .register(new FixedHeaders(tokens.token(bkcode).authorizationHeader()))
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(30, TimeUnit.SECONDS)
                .build(PaymentRequestsApi.class);
    }

    @PreDestroy
    void closeAll() {
        clients.values().forEach(client -> {
            try {
                ((AutoCloseable) client).close();
            } catch (Exception e) {
                // Undeploying: nothing to do about it.
            }
        });
    }

    /** The constant Authorization header, and a new X-Request-ID per call. */
    static final class FixedHeaders implements ClientRequestFilter {

        private final String authorization;

        FixedHeaders(String authorization) {
            this.authorization = authorization;
        }

        @Override
        public void filter(ClientRequestContext request) {
            request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, authorization);
            request.getHeaders().putSingle("X-Request-ID", UUID.randomUUID().toString());
        }

        @Override
        public String toString() {
            return "FixedHeaders[authorization=(hidden)]";
        }
    }
}
