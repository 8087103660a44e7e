package io.psd2token.internal.token;

import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import jakarta.json.bind.Jsonb;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/** Builds a {@link TokenManager}: one way to make one, every collaborator named, defaults for the optional ones. */
public final class TokenManagerBuilder {

    // Read by TokenManager's constructor.
    BankRegistry banks;
    Supplier<String> clientId = () -> null;
    BankHttp http;
    Jsonb jsonb;
    TokenTimer timer;
    Executor io;
    TokenClock clock = TokenClock.system();
    TokenPolicy policy = TokenPolicy.DEFAULT;
    Resilience resilience = Resilience.DEFAULT;
    ScopeRules scopes = ScopeRules.DEFAULT;
    TokenMetrics metrics = TokenMetrics.NONE;
    RequestGate gate = RequestGate.OPEN;
    DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();
    SharedTokens shared = SharedTokens.LOCAL;
    Supplier<String> credentials = () -> null;
    String node = "this node";
    Duration syncInterval = Duration.ofSeconds(1);

    TokenManagerBuilder() {
    }

    /**
     * @param banks where each bank is reached, behind the directory's guard; required
     * @return this builder
     */
    public TokenManagerBuilder banks(BankRegistry banks) {
        this.banks = banks;
        return this;
    }

    /**
     * @param clientId the TPP's client_id, or {@code null} when unknown (requests then fail saying so)
     * @return this builder
     */
    public TokenManagerBuilder clientId(String clientId) {
        this.clientId = () -> clientId;
        return this;
    }

    /**
     * @param clientId gives the client_id when a request is built; returns {@code null} or throws a typed
     *        error while none is known
     * @return this builder
     */
    public TokenManagerBuilder clientId(Supplier<String> clientId) {
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        return this;
    }

    /**
     * @param http the asynchronous HTTP seam to the banks; required
     * @return this builder
     */
    public TokenManagerBuilder http(BankHttp http) {
        this.http = http;
        return this;
    }

    /**
     * @param jsonb reads token responses (thread-safe, shared); required
     * @return this builder
     */
    public TokenManagerBuilder jsonb(Jsonb jsonb) {
        this.jsonb = jsonb;
        return this;
    }

    /**
     * @param timer runs the timer duties and nothing else; required
     * @return this builder
     */
    public TokenManagerBuilder timer(TokenTimer timer) {
        this.timer = timer;
        return this;
    }

    /**
     * @param io runs request starts, answers and warm-ups; required
     * @return this builder
     */
    public TokenManagerBuilder io(Executor io) {
        this.io = io;
        return this;
    }

    /**
     * @param clock the time source (default: the JVM's)
     * @return this builder
     */
    public TokenManagerBuilder clock(TokenClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * @param policy lifetimes, margins, waits and back-off (default {@link TokenPolicy#DEFAULT})
     * @return this builder
     */
    public TokenManagerBuilder policy(TokenPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * @param resilience retries, circuit breaker, waiting callers (default {@link Resilience#DEFAULT})
     * @return this builder
     */
    public TokenManagerBuilder resilience(Resilience resilience) {
        this.resilience = Objects.requireNonNull(resilience, "resilience");
        return this;
    }

    /**
     * @param scopes which scopes callers may ask for (default {@link ScopeRules#DEFAULT})
     * @return this builder
     */
    public TokenManagerBuilder scopes(ScopeRules scopes) {
        this.scopes = Objects.requireNonNull(scopes, "scopes");
        return this;
    }

    /**
     * @param metrics where requests, outcomes and slot counters are reported (default none)
     * @return this builder
     */
    public TokenManagerBuilder metrics(TokenMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        return this;
    }

    /**
     * @param gate checked before any request (default: lets everything through)
     * @return this builder
     */
    public TokenManagerBuilder gate(RequestGate gate) {
        this.gate = Objects.requireNonNull(gate, "gate");
        return this;
    }

    /**
     * @param jitter random numbers in [0, 1) for retry jitter (default {@link ThreadLocalRandom}); tests seed it
     * @return this builder
     */
    public TokenManagerBuilder jitter(DoubleSupplier jitter) {
        this.jitter = Objects.requireNonNull(jitter, "jitter");
        return this;
    }

    /**
     * Shares the tokens with the other nodes of a cluster (default {@link SharedTokens#LOCAL}: none).
     *
     * @param shared the cluster's map
     * @param credentials the SHA-256 fingerprint of the QWAC presented now, or {@code null} while unknown: only
     *        tokens obtained with the same QWAC are taken from the cluster
     * @param node this node's name (for the lease, which says who is fetching a token, and for logs)
     * @param syncInterval how often the slots in use are compared with the cluster; positive
     * @return this builder
     */
    public TokenManagerBuilder sharing(SharedTokens shared, Supplier<String> credentials, String node,
            Duration syncInterval) {
        this.shared = Objects.requireNonNull(shared, "shared");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.node = Objects.requireNonNull(node, "node");
        if (syncInterval.isNegative() || syncInterval.isZero()) {
            throw new IllegalArgumentException("syncInterval must be positive");
        }
        this.syncInterval = syncInterval;
        return this;
    }

    /**
     * @return the token manager
     * @throws NullPointerException naming a required collaborator that is missing
     */
    public TokenManager build() {
        return new TokenManager(this);
    }
}
