package io.psd2token.token;

import io.psd2token.ConfigurationException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.BankRegistry;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.http.BankHttp;
import io.psd2token.http.HttpReply;
import jakarta.json.bind.Jsonb;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Obtains client-credentials tokens from banks and reuses each one, per bank and scope, until it expires.
 *
 * <p>Plain Java with its collaborators passed in, so it is tested without a server;
 * {@link io.psd2token.BankTokens} is the CDI face of it.
 *
 * <p>Thread-safe. Readers never lock; a missing or expired token is fetched under a per-(bank, scope)
 * lock, so concurrent callers for the same key send one request and the others take its result.
 */
public final class TokenManager {

    private static final Logger LOG = Logger.getLogger(TokenManager.class.getName());

    private final BankRegistry banks;
    private final String clientId;
    private final BankHttp http;
    private final TokenClock clock;
    private final TokenPolicy policy;
    private final TokenResponseParser parser;

    // Written only under the key's lock; read without locking (ConcurrentHashMap gives safe publication).
    private final Map<TokenKey, CachedToken> tokens = new ConcurrentHashMap<>();
    private final Map<TokenKey, ReentrantLock> locks = new ConcurrentHashMap<>();

    /**
     * @param banks where each bank is reached
     * @param clientId the TPP's client_id, or {@code null} when not configured (every request then fails
     *        with a message saying so)
     * @param http the HTTP seam to the banks
     * @param clock the time source
     * @param policy lifetimes and waits
     * @param jsonb the JSON-B instance used to read responses (thread-safe, shared)
     */
    public TokenManager(BankRegistry banks, String clientId, BankHttp http, TokenClock clock, TokenPolicy policy,
            Jsonb jsonb) {
        this.banks = Objects.requireNonNull(banks, "banks");
        this.clientId = clientId;
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.parser = new TokenResponseParser(Objects.requireNonNull(jsonb, "jsonb"), policy);
    }

    /** A valid token for the bank's default scope; see {@link #token(Bkcode, Scope)}. */
    public AccessToken token(Bkcode bank) {
        return token(bank, banks.endpoints(bank).defaultScope());
    }

    /**
     * A token of {@code bank} for {@code scope}: the cached one while it is valid, else a new one.
     *
     * @throws io.psd2token.BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(Bkcode bank, Scope scope) {
        TokenKey key = new TokenKey(bank, scope);
        CachedToken cached = tokens.get(key);
        if (cached != null && cached.isValidAt(clock.nanoTime())) {
            return cached.token();
        }
        return fetchUnderLock(key);
    }

    /** Forgets every cached token of {@code bank}; the next call fetches a new one. */
    public void invalidate(Bkcode bank) {
        tokens.keySet().removeIf(key -> key.bank().equals(bank));
    }

    /**
     * Forgets {@code token} if it is still the cached one (compare-and-evict: a newer token that another
     * thread already fetched is kept).
     *
     * @return true if it was evicted
     */
    public boolean invalidate(AccessToken token) {
        TokenKey key = new TokenKey(token.bank(), token.scope());
        CachedToken cached = tokens.get(key);
        return cached != null && cached.token() == token && tokens.remove(key, cached);
    }

    private AccessToken fetchUnderLock(TokenKey key) {
        ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
        Duration wait = policy.waitTimeout();
        try {
            if (!lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new TokenWaitTimeoutException(key.bank().value(), wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenWaitTimeoutException(key.bank().value(), wait);
        }
        try {
            // Another caller may have fetched it while this one waited for the lock.
            CachedToken cached = tokens.get(key);
            if (cached != null && cached.isValidAt(clock.nanoTime())) {
                return cached.token();
            }
            CachedToken fresh = fetch(key);
            tokens.put(key, fresh);
            return fresh.token();
        } finally {
            lock.unlock();
        }
    }

    private CachedToken fetch(TokenKey key) {
        BankEndpoints endpoints = banks.endpoints(key.bank());
        ClientCredentialsGrant grant = grant(key);
        // Lifetime counts from sending: the bank's clock started no earlier than this.
        long sentNanos = clock.nanoTime();
        Instant sentAt = clock.now();
        try {
            HttpReply reply = http.postForm(endpoints.tokenEndpoint(), grant.formBody());
            AccessToken token = parser.parse(key.bank(), key.scope(), reply, sentAt);
            Duration usable = token.lifetime().minus(policy.marginFor(token.lifetime()));
            LOG.fine(() -> "token obtained from bank " + key.bank() + " for scope " + key.scope() + " in "
                    + millisSince(sentNanos) + " ms, lifetime " + token.lifetime().getSeconds() + " s");
            return new CachedToken(token, sentNanos + usable.toNanos());
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, () -> "token request to bank " + key.bank() + " failed after "
                    + millisSince(sentNanos) + " ms: " + e.getClass().getSimpleName());
            throw e;
        }
    }

    private ClientCredentialsGrant grant(TokenKey key) {
        if (clientId == null) {
            throw new ConfigurationException(key.bank().value(), "psd2.client-id is not set: set it"
                    + " to the organizationIdentifier of the QWAC, e.g. PSDFR-ACPR-12345");
        }
        return new ClientCredentialsGrant(clientId, key.scope());
    }

    private long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos);
    }

    /** One cache slot: a bank and a normalised scope. */
    private record TokenKey(Bkcode bank, Scope scope) {
    }

    /** A token and the monotonic instant after which it is no longer handed out. */
    private record CachedToken(AccessToken token, long usableUntilNanos) {
        boolean isValidAt(long nowNanos) {
            // Subtraction, not comparison: nanoTime may wrap (JLS for System.nanoTime).
            return nowNanos - usableUntilNanos < 0;
        }
    }
}
