package io.psd2token.bench;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Scope;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.token.TokenClock;
import io.psd2token.internal.token.Resilience;
import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.token.TokenMetrics;
import io.psd2token.internal.token.TokenPolicy;
import io.psd2token.internal.token.TokenTimer;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ClientCredentialsOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * Builds the three token caches under comparison, each wired as its users wire it and pointed at its own
 * path of one {@link FakeTokenEndpoint}.
 */
public final class Contenders {

    static final String BKCODE = "13807";
    static final String CLIENT_ID = "PSDFR-ACPR-12345";
    static final String SCOPE = "pisp";

    private Contenders() {
    }

    /**
     * Our manager on its real HTTP code path: {@link JdkBankHttp}. For an {@code http:} URI the JDK client
     * never uses the SSL context it is given, so the default one stands in for the server's QWAC context.
     */
    public static TokenManager ours(FakeTokenEndpoint endpoint, TokenPolicy policy) {
        return ours(endpoint, policy, "ours", TokenMetrics.NONE);
    }

    /**
     * Ours with a metrics binding, on its own endpoint path.
     *
     * @param path the endpoint path, so that its requests are counted apart
     * @param metrics e.g. one that counts cache hits, as the Micrometer binding does
     */
    public static TokenManager ours(FakeTokenEndpoint endpoint, TokenPolicy policy, String path, TokenMetrics metrics) {
        return ours(endpoint, policy, path, metrics, SharedTokens.LOCAL);
    }

    /**
     * Ours as one node of a cluster (docs/cluster.md): the same manager sharing its tokens through {@code shared}.
     *
     * @param path the endpoint path, so that its requests are counted apart
     * @param shared the cluster's map
     */
    public static TokenManager ours(FakeTokenEndpoint endpoint, TokenPolicy policy, String path, TokenMetrics metrics,
            SharedTokens shared) {
        return ours(endpoint, policy, path, metrics, shared,
                Executors.newScheduledThreadPool(1, r -> daemon(r, "token-timer")),
                Executors.newCachedThreadPool(r -> daemon(r, "token-io")));
    }

    /**
     * Ours on executors of the caller's, as the managers of one server share the server's: for runs that build
     * many managers.
     */
    static TokenManager ours(FakeTokenEndpoint endpoint, TokenPolicy policy, String path, TokenMetrics metrics,
            SharedTokens shared, ScheduledExecutorService timer, ExecutorService io) {
        URI tokenUri = endpoint.tokenUri(path);
        JdkBankHttp http = new JdkBankHttp(uri -> defaultSslContext(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(2), io);
        return TokenManager.builder()
                .banks(bank -> new BankEndpoints(bank, tokenUri, URI.create("http://127.0.0.1/stet/psd2/v1"),
                        Scope.PISP))
                .clientId(CLIENT_ID).http(http).jsonb(JsonbBuilder.create()).timer(TokenTimer.of(timer)).io(io)
                .clock(TokenClock.system()).policy(policy).resilience(Resilience.NONE).metrics(metrics)
                .sharing(shared, () -> null, "bench", Duration.ofSeconds(1)).build();
    }

    private static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }

    /** Spring Security's manager and the request a caller builds once and reuses (pitfall 3). */
    record Spring(AuthorizedClientServiceOAuth2AuthorizedClientManager manager, OAuth2AuthorizeRequest request,
            InMemoryOAuth2AuthorizedClientService service) {

        /** The hot path: {@code authorize(prebuilt request).getAccessToken().getTokenValue()}. */
        String token() {
            return manager.authorize(request).getAccessToken().getTokenValue();
        }

        /** Drops the cached token, so the next call fetches one. */
        void forget() {
            service.removeAuthorizedClient(request.getClientRegistrationId(), request.getPrincipal().getName());
        }
    }

    /**
     * Spring Security 7 as a Spring Boot 4 application has it: in-memory registration and authorized-client
     * service, client-credentials provider with its default {@code RestClient}, client authentication
     * {@code none} (client_id in the body, as with mTLS).
     *
     * @param clockSkew how long before expiry Spring treats the token as expired and fetches anew (its default
     *        of 60 s would make every token of 60 s or less permanently expired: pitfall 2)
     */
    static Spring spring(FakeTokenEndpoint endpoint, Duration clockSkew) {
        ClientRegistration registration = ClientRegistration.withRegistrationId(BKCODE)
                .clientId(CLIENT_ID)
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope(SCOPE)
                .tokenUri(endpoint.tokenUri("spring").toString())
                .build();
        InMemoryClientRegistrationRepository registrations = new InMemoryClientRegistrationRepository(registration);
        ClientCredentialsOAuth2AuthorizedClientProvider provider = new ClientCredentialsOAuth2AuthorizedClientProvider();
        provider.setClockSkew(clockSkew);
        InMemoryOAuth2AuthorizedClientService service = new InMemoryOAuth2AuthorizedClientService(registrations);
        AuthorizedClientServiceOAuth2AuthorizedClientManager manager =
                new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, service);
        manager.setAuthorizedClientProvider(provider);
        OAuth2AuthorizeRequest request = OAuth2AuthorizeRequest.withClientRegistrationId(BKCODE)
                .principal("psd2-token-bench")
                .build();
        return new Spring(manager, request, service);
    }

    /** google-auth's cache with the given margins; see {@link GoogleClientCredentials}. */
    static GoogleClientCredentials google(FakeTokenEndpoint endpoint, Duration refreshMargin,
            Duration expirationMargin) {
        return new GoogleClientCredentials(endpoint.tokenUri("google"), CLIENT_ID, SCOPE, refreshMargin,
                expirationMargin);
    }

    private static SSLContext defaultSslContext() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
