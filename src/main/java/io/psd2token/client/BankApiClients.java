package io.psd2token.client;

import io.psd2token.BankTokens;
import io.psd2token.QwacRotated;
import io.psd2token.bank.Bkcode;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
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
 * more with a new token; a second rejection throws {@link io.psd2token.error.TokenRejectedException}.
 * Clients are built once per (bank, interface), shared (they are thread-safe) and closed at undeploy.
 */
@ApplicationScoped
public class BankApiClients {

    private static final Logger LOG = Logger.getLogger(BankApiClients.class.getName());

    @Inject
    BankTokens tokens;

    // Per (bank, interface): the retrying proxy handed out; it stays valid for ever.
    private final Map<List<Object>, Object> proxies = new ConcurrentHashMap<>();
    // The MP Rest Clients behind the proxies: replaced as a whole after a QWAC rotation.
    private final AtomicReference<ClientGeneration<List<Object>>> generation =
            new AtomicReference<>(new ClientGeneration<>(BankApiClients::close));

    /**
     * @param bkcode the bank
     * @param api an MP Rest Client interface whose paths are relative to the STET API base ({@code .../v1})
     * @param <T> the interface type
     * @return the shared client of that bank for that interface
     */
    public <T> T client(String bkcode, Class<T> api) {
        Bkcode bank = Bkcode.of(bkcode);
        return api.cast(proxies.computeIfAbsent(List.of(bank, api), key -> Proxy.newProxyInstance(
                api.getClassLoader(), new Class<?>[] {api}, new InvalidTokenRetry(tokens, bank.value(),
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
                .register(new InvalidTokenDetector())
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(30, TimeUnit.SECONDS)
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
