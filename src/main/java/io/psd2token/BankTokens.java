package io.psd2token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.config.Psd2Config;
import io.psd2token.http.JdkBankHttp;
import io.psd2token.tls.ElytronSslContexts;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenManager;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import javax.net.ssl.SSLContext;
import org.eclipse.microprofile.config.Config;

/**
 * PSD2 access tokens from Groupe BPCE banks, for EJBs and JAX-RS resources: {@code @Inject BankTokens tokens;}
 * then {@code tokens.token("13807").authorizationHeader()}.
 *
 * <p>Each bank (five-digit bkcode) has its own token endpoint and its own tokens; a token is reused until
 * shortly before it expires. Requests go over mutual TLS with the QWAC the server's Elytron configuration
 * assigns to the bank's host. Endpoints and client_id come from MicroProfile Config (see {@link Psd2Config}).
 *
 * <p>Thread-safe; every method may be called concurrently from any request or EJB thread.
 */
@ApplicationScoped
public class BankTokens {

    @Inject
    Config config;

    @Inject
    Instance<TokenClock> clocks;

    private Psd2Config settings;
    private ElytronSslContexts sslContexts;
    private Jsonb jsonb;
    private TokenManager manager;

    @PostConstruct
    void start() {
        settings = new Psd2Config(key -> config.getOptionalValue(key, String.class));
        sslContexts = new ElytronSslContexts();
        jsonb = JsonbBuilder.create();
        // An application (or a test) may provide its own clock bean; otherwise the JVM clocks are used.
        TokenClock clock = clocks.isResolvable() ? clocks.get() : TokenClock.system();
        JdkBankHttp http = new JdkBankHttp(sslContexts::forUri, settings.connectTimeout(), settings.requestTimeout());
        manager = new TokenManager(settings, settings.clientId().orElse(null), http, clock,
                settings.tokenPolicy(), jsonb);
    }

    @PreDestroy
    void stop() {
        try {
            jsonb.close();
        } catch (Exception e) {
            // Nothing to release that matters at undeploy.
        }
    }

    /**
     * A valid token of the bank for its default scope ({@code psd2.scope}, default {@code pisp}).
     *
     * @param bkcode the bank's five-digit code, e.g. {@code 13807}
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode) {
        return manager.token(Bkcode.of(bkcode));
    }

    /**
     * A valid token of the bank for the given scope.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated roles, e.g. {@code "aisp"}; order and repeated spaces do not matter
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode, String scope) {
        Bkcode bank = Bkcode.of(bkcode);
        Scope parsed;
        try {
            parsed = Scope.of(scope);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(bank.value(), e.getMessage());
        }
        return manager.token(bank, parsed);
    }

    /** Forgets every cached token of the bank, e.g. after it answered 403 "Invalid token". */
    public void invalidate(String bkcode) {
        manager.invalidate(Bkcode.of(bkcode));
    }

    /**
     * Forgets this token if it is still the cached one, keeping a newer one another thread already fetched.
     *
     * @return true if it was evicted
     */
    public boolean invalidate(AccessToken token) {
        return manager.invalidate(token);
    }

    /** Where the bank is reached (token endpoint, API base, default scope). */
    public BankEndpoints endpoints(String bkcode) {
        return settings.endpoints(Bkcode.of(bkcode));
    }

    /**
     * The SSL context the server's Elytron configuration assigns to the bank's PSD2 API, for clients that
     * call the API itself (e.g. an MP Rest Client); presents the QWAC.
     */
    public SSLContext sslContext(String bkcode) {
        return sslContexts.forUri(endpoints(bkcode).apiBase());
    }
}
