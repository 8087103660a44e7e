package io.psd2token;

import io.psd2token.bank.BankDirectory;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.error.BankTokenException;
import io.psd2token.identity.TppIdentity;
import io.psd2token.metrics.MetricsBinding;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import io.psd2token.token.TokenState;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.eclipse.microprofile.config.Config;

/**
 * PSD2 access tokens from Groupe BPCE banks, for EJBs and JAX-RS resources: {@code @Inject BankTokens tokens;}
 * then {@code tokens.token("13807").authorizationHeader()}.
 *
 * <p>Each bank (five-digit bkcode, known to the {@link BankDirectory}) has its own token endpoint and its own
 * tokens. A token is reused while valid, refreshed in the background shortly before it is dropped while it is in
 * use (callers never wait at a refresh), and never handed out after its drop point. Requests go over mutual TLS
 * with the QWAC the server's Elytron configuration assigns to the bank's host. Endpoints and settings come from
 * MicroProfile Config (docs/configuration.md). Everything that can be checked is checked when the application
 * starts, and one report of every problem fails the deployment.
 *
 * <p>Thread-safe; every method may be called concurrently from any request, EJB or managed thread.
 */
@ApplicationScoped
public class BankTokens {

    private static final Logger LOG = Logger.getLogger(BankTokens.class.getName());

    @Inject
    Config config;

    @Inject
    Instance<TokenClock> clocks;

    @Inject
    Event<QwacRotated> rotations;

    @Inject
    Instance<TokenMetrics> metrics;

    private Psd2Runtime runtime;

    @PostConstruct
    void start() {
        // An application (or a test) may provide its own clock bean; otherwise the JVM clocks are used.
        TokenClock clock = clocks.isResolvable() ? clocks.get() : TokenClock.system();
        runtime = new Psd2Runtime(key -> config.getOptionalValue(key, String.class), clock,
                (enabled, problems) -> MetricsBinding.choose(metrics, enabled, problems), rotations::fire);
    }

    /**
     * Created when the application starts, not at its first request, so that a wrong client id, a certificate
     * without organizationIdentifier or an invalid setting fails the deployment with a message saying what to fix.
     */
    void validateAtStartup(@Observes Startup startup) {
        LOG.fine(() -> "psd2-token ready; client_id " + (identity().isEmpty() ? "from configuration" : "from the QWAC"));
    }

    @PreDestroy
    void stop() {
        runtime.close();
    }

    /**
     * A valid token of the bank for its default scope ({@code psd2.scope}, default {@code pisp}).
     *
     * @param bkcode the bank's five-digit code, e.g. {@code 13807}
     * @return the cached token while it may be handed out, otherwise a new one from the single shared request
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode) {
        return runtime.manager.token(bkcode);
    }

    /**
     * A valid token of the bank for the given scope.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated PSD2 roles, e.g. {@code "aisp"}; order and repeated spaces do not matter; only
     *        {@code pisp}, {@code aisp}, {@code cbpii}, {@code piisp} and {@code psd2.scope.extra-roles} pass
     * @return the cached token of that bank and scope while usable, otherwise a new one; its
     *         {@link AccessToken#scope()} is what the bank granted
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode, String scope) {
        return runtime.manager.token(bkcode, scope);
    }

    /**
     * The token without blocking: for asynchronous JAX-RS resources. Completes at once while a valid token is
     * cached; fails with the same typed errors as {@link #token(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code is malformed or unknown
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode) {
        return runtime.manager.tokenAsync(bkcode);
    }

    /**
     * The token of the bank for the scope, without blocking; see {@link #tokenAsync(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated PSD2 roles
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code or the scope is refused
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode, String scope) {
        return runtime.manager.tokenAsync(bkcode, scope);
    }

    /**
     * Calls the bank's API with its token and, if the bank answers 403 "Invalid token", once more with a new
     * token. For code that does not use {@link io.psd2token.client.BankApiClients}.
     *
     * <pre>{@code
     * HttpResponse<String> r = tokens.withToken("13807",
     *         token -> send(request.header("Authorization", token.authorizationHeader())),
     *         response -> response.statusCode() == 403 && response.body().contains("Invalid token"));
     * }</pre>
     *
     * @param bkcode the bank's five-digit code
     * @param call the API call, carrying the token it is given
     * @param rejectedAsInvalid tells whether the call's result is the bank's "Invalid token" rejection
     * @param <T> the call's result
     * @return the result of the first call, or of the second when the first was rejected
     * @throws io.psd2token.error.TokenRejectedException when the second call is rejected too
     */
    public <T> T withToken(String bkcode, Function<AccessToken, T> call, Predicate<? super T> rejectedAsInvalid) {
        return runtime.manager.withToken(bkcode, call, rejectedAsInvalid);
    }

    /**
     * Forgets every cached token of the bank, and any failure being replayed for it, e.g. after an operator
     * revoked them or the bank recovered early.
     *
     * @param bkcode the bank's five-digit code; its tokens of every scope are dropped
     * @throws io.psd2token.error.UnknownBankException when the code is malformed, unknown or disabled
     */
    public void invalidate(String bkcode) {
        runtime.manager.invalidate(directory().require(bkcode).bkcode());
    }

    /**
     * Forgets this token if it is still the cached one, keeping a newer one another thread already fetched.
     *
     * @param token the token the bank rejected, as it was handed out (compared by identity)
     * @return true if it was evicted; false if it was no longer cached
     */
    public boolean invalidate(AccessToken token) {
        return runtime.manager.invalidate(token);
    }

    /**
     * Counts, in the token metrics ({@code psd2_api_rate_limited_total}), a call to the bank's API refused for its
     * rate limit. {@link io.psd2token.client.BankApiClients} reports its calls itself; call this when your own
     * client sees a 403 {@code TMRQ} or a 429 ({@link io.psd2token.client.InvalidTokenResponses#isRateLimited}).
     * The bank's tokens are kept: a rate limit is not an invalid token.
     *
     * @param bkcode the bank's five-digit code
     * @param heldBack {@code false} when the bank refused the call, {@code true} when it was held back unsent
     */
    public void apiRateLimited(String bkcode, boolean heldBack) {
        runtime.manager.apiRateLimited(directory().require(bkcode).bkcode(), heldBack);
    }

    /**
     * Per bank and scope: phase, age, time to expiry, request counts, refused callers, last failure; never a token.
     *
     * @return one snapshot per (bank, scope) in use, read now; safe to log or expose
     */
    public List<TokenState> states() {
        return runtime.manager.states();
    }

    /**
     * The TPP identity read from the QWAC, if it has been read.
     *
     * @return the identity last read (at start, by a periodic check, or by {@link #reloadCredentials()}), or empty
     *         when the probe bank has not been reachable yet or {@code psd2.identity.probe-bank=none}
     */
    public Optional<TppIdentity> identity() {
        return runtime.watcher.identity();
    }

    /**
     * Reads the QWAC Elytron presents now and, if it is not the one read before (the operator rotated it:
     * key-store {@code load()} + key-manager {@code init()}), drops every cached token, pooled connection and
     * TLS session obtained with the old one and fires {@link QwacRotated}. Runs by itself every
     * {@code psd2.identity.check-interval}; call it to act at once after a rotation.
     *
     * @return the identity now presented, or empty when there is no probe bank ({@code psd2.identity.probe-bank=none})
     * @throws BankTokenException when the certificate cannot be read
     */
    public Optional<TppIdentity> reloadCredentials() {
        return runtime.watcher.check();
    }

    /**
     * The deployment's bank directory, also injectable ({@code @Inject BankDirectory banks;}).
     *
     * @return the shipped list changed by this deployment's MicroProfile Config, read once at start
     */
    @Produces
    public BankDirectory directory() {
        return runtime.settings.directory();
    }

    /**
     * Where the bank is reached (token endpoint, API base, default scope).
     *
     * @param bkcode the bank's five-digit code
     * @return the bank's endpoints: the per-bank settings, else the URL templates filled with the code
     * @throws io.psd2token.error.UnknownBankException when the code is malformed, unknown or disabled
     */
    public BankEndpoints endpoints(String bkcode) {
        return runtime.settings.endpoints(directory().require(bkcode).bkcode());
    }

    /**
     * The SSL context the server's Elytron configuration assigns to the bank's PSD2 API, for clients that
     * call the API itself (e.g. an MP Rest Client); presents the QWAC.
     *
     * @param bkcode the bank's five-digit code
     * @return the context Elytron selects for the bank's API base host
     * @throws io.psd2token.error.UnknownBankException when the code is malformed, unknown or disabled
     */
    public SSLContext sslContext(String bkcode) {
        return runtime.sslContexts.forUri(endpoints(bkcode).apiBase());
    }
}
