package io.psd2token.client;

import io.psd2token.BankTokens;
import io.psd2token.QwacRotated;
import io.psd2token.bank.Bkcode;
import io.psd2token.internal.config.Key;
import io.psd2token.internal.config.Psd2Keys;
import io.psd2token.token.TokenClock;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.rest.client.RestClientBuilder;

/**
 * MicroProfile Rest Clients for a bank's STET PSD2 API: base URI from {@code psd2.api-base-template}, the
 * QWAC's SSL context from Elytron, and the bank's bearer token on every request.
 *
 * <pre>{@code
 * @Inject BankApiClients clients;
 * PaymentRequests api = clients.client("13807", PaymentRequests.class);
 * }</pre>
 *
 * <p>A call the bank rejects with 403 "Invalid token" (its token expired or was revoked early) is sent once
 * more with a new token; a second rejection throws {@link io.psd2token.error.TokenRejectedException}. A call
 * refused for the bank's rate limit (403 {@code TMRQ}, or 429) is not re-sent and keeps the token: it throws
 * {@link io.psd2token.error.BankRateLimitedException}, and so does every call to that bank's API until the pause
 * ends (the bank's {@code Retry-After}, capped by {@code psd2.retry-after-max}, else
 * {@code psd2.api.rate-limit-pause}). Every call carries an {@code X-Request-ID} (a UUID unless the application
 * set one). Timeouts: {@code psd2.api.connect-timeout}, {@code psd2.api.read-timeout}.
 * Clients are built once per (bank, interface), shared (they are thread-safe) and closed at undeploy.
 */
@ApplicationScoped
public class BankApiClients {

    private static final Logger LOG = Logger.getLogger(BankApiClients.class.getName());

    @Inject
    BankTokens tokens;

    @Inject
    Config config;

    @Inject
    Instance<TokenClock> clocks;

    private Duration connectTimeout;
    private Duration readTimeout;
    private ApiPauses pauses;

    // Per (bank, interface): the retrying proxy handed out; it stays valid for ever.
    private final Map<List<Object>, Object> proxies = new ConcurrentHashMap<>();
    // The MP Rest Clients behind the proxies: replaced as a whole after a QWAC rotation.
    private final AtomicReference<ClientGeneration<List<Object>>> generation =
            new AtomicReference<>(new ClientGeneration<>(BankApiClients::close));

    @PostConstruct
    void readSettings() {
        // Checked with every other key when BankTokens started: reading them again cannot fail here.
        connectTimeout = read(Psd2Keys.API_CONNECT_TIMEOUT);
        readTimeout = read(Psd2Keys.API_READ_TIMEOUT);
        TokenClock clock = clocks.isResolvable() ? clocks.get() : TokenClock.system();
        pauses = new ApiPauses(clock, read(Psd2Keys.API_RATE_LIMIT_PAUSE), read(Psd2Keys.RETRY_AFTER_MAX));
    }

    private <T> T read(Key<T> key) {
        return key.read(name -> config.getOptionalValue(name, String.class)).orElseThrow();
    }

    /**
     * @param bkcode the bank
     * @param api an MP Rest Client interface whose paths are relative to the STET API base ({@code .../v1})
     * @param <T> the interface type
     * @return the shared client of that bank for that interface
     */
    public <T> T client(String bkcode, Class<T> api) {
        Bkcode bank = Bkcode.of(bkcode);
        return api.cast(proxies.computeIfAbsent(List.of(bank, api), key -> Proxy.newProxyInstance(
                api.getClassLoader(), new Class<?>[] {api}, new BankApiCall(tokens, bank.value(), pauses,
                        () -> lease(key, k -> build(bank.value(), api))))));
    }

    /** A lease on the current generation's client for {@code key}; the caller releases it when the call ends. */
    private Lease lease(List<Object> key, Function<List<Object>, Object> build) {
        while (true) {
            ClientGeneration<List<Object>> current = generation.get();
            if (current.acquire()) {
                try {
                    return new Lease(current.client(key, build), current::release);
                } catch (RuntimeException e) {
                    current.release();
                    throw e;
                }
            }
        }
    }

    private <T> T build(String bkcode, Class<T> api) {
        return RestClientBuilder.newBuilder()
                .baseUri(tokens.endpoints(bkcode).apiBase())
                .sslContext(tokens.sslContext(bkcode))
                .register(new BearerTokenFilter(tokens, bkcode))
                .register(new RequestIdFilter())
                .register(new BankAnswerFilter(bkcode))
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .build(api);
    }

    /** After a QWAC rotation the clients' pooled connections carry the old certificate: build new ones. */
    void onRotation(@Observes QwacRotated rotated) {
        generation.getAndSet(new ClientGeneration<>(BankApiClients::close)).retire();
    }

    @PreDestroy
    void closeAll() {
        generation.get().retire();
        proxies.clear();
    }

    private static void close(Object client) {
        try {
            ((AutoCloseable) client).close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing a bank API client failed", e);
        }
    }

    /** A client in use by one call, and how to give it back. */
    record Lease(Object client, Runnable release) {
    }
}
