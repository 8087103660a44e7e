package io.psd2token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bank;
import io.psd2token.bank.BankDirectory;
import io.psd2token.bank.BankRegistry;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.identity.ClientIds;
import io.psd2token.identity.PresentedCertificate;
import io.psd2token.identity.PresentedCertificateException;
import io.psd2token.identity.RoleCheck;
import io.psd2token.identity.TppIdentity;
import io.psd2token.config.Psd2Config;
import io.psd2token.http.JdkBankHttp;
import io.psd2token.tls.ElytronSslContexts;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenManager;
import io.psd2token.token.TokenMetrics;
import io.psd2token.token.TokenScheduler;
import io.psd2token.token.TokenState;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.net.ssl.SSLContext;
import org.eclipse.microprofile.config.Config;

/**
 * PSD2 access tokens from Groupe BPCE banks, for EJBs and JAX-RS resources: {@code @Inject BankTokens tokens;}
 * then {@code tokens.token("13807").authorizationHeader()}.
 *
 * <p>Each bank (five-digit bkcode, known to the {@link BankDirectory}) has its own token endpoint and its own
 * tokens. A token is reused while
 * fresh, refreshed in the background shortly before it expires (callers never wait at a refresh), and never
 * handed out once expired. Requests go over mutual TLS with the QWAC the server's Elytron configuration
 * assigns to the bank's host. Endpoints and client_id come from MicroProfile Config (see {@link Psd2Config}).
 *
 * <p>Thread-safe; every method may be called concurrently from any request, EJB or managed thread.
 */
@ApplicationScoped
public class BankTokens {

    private static final Logger LOG = Logger.getLogger(BankTokens.class.getName());

    // JNDI names of the server's managed scheduled executor: the Jakarta EE default, then WildFly's own.
    private static final List<String> SCHEDULER_NAMES = List.of(
            "java:comp/DefaultManagedScheduledExecutorService", "java:jboss/ee/concurrency/scheduler/default");

    /** How often the QWAC Elytron presents is read again to notice a rotation; {@code 0} never. */
    public static final String CHECK_INTERVAL = "psd2.identity.check-interval";

    /** {@code fail} (default), {@code warn} or {@code off}: whether an enabled bank without Elytron TLS fails the start. */
    public static final String TLS_CHECK = "psd2.startup.tls-check";

    /** The bank whose token endpoint the start-up handshake that reads the QWAC uses; {@code none} skips it. */
    public static final String PROBE_BANK = "psd2.identity.probe-bank";

    // The library's own binding, named rather than referenced: its class only loads where Micrometer exists.
    private static final String BUILT_IN_METRICS = "io.psd2token.metrics.MicrometerTokenMetrics";

    @Inject
    Config config;

    @Inject
    Instance<TokenClock> clocks;

    @Inject
    BankDirectory directory;

    @Inject
    Event<QwacRotated> rotations;

    @Inject
    Instance<TokenMetrics> metrics;

    private Psd2Config settings;
    // Replaced when a rotation is detected; read by health checks and the role check.
    private volatile TppIdentity identity;
    private URI probeEndpoint;
    private JdkBankHttp http;
    private TokenScheduler scheduler;
    private Duration checkInterval;
    private RoleCheck roleCheck;
    private final Set<String> roleChecked = ConcurrentHashMap.newKeySet();
    private ElytronSslContexts sslContexts;
    private Jsonb jsonb;
    private ScheduledExecutorService ownScheduler;
    private TokenManager manager;

    @PostConstruct
    void start() {
        settings = new Psd2Config(key -> config.getOptionalValue(key, String.class));
        sslContexts = new ElytronSslContexts();
        jsonb = JsonbBuilder.create();
        // An application (or a test) may provide its own clock bean; otherwise the JVM clocks are used.
        TokenClock clock = clocks.isResolvable() ? clocks.get() : TokenClock.system();
        http = new JdkBankHttp(sslContexts::forUri, settings.connectTimeout(), settings.requestTimeout());

        // Everything that can be checked before the first payment is checked now, and reported together.
        List<String> problems = new ArrayList<>(directory.problems());
        problems.addAll(settings.problems());
        List<Bkcode> enabled = directory.all().stream().filter(Bank::enabled).map(Bank::bkcode).toList();
        problems.addAll(settings.checkBanks(enabled));
        problems.addAll(tlsProblems(enabled));
        TokenMetrics reporting = metricsBinding(problems);
        String clientId = null;
        try {
            roleCheck = RoleCheck.parse(config.getOptionalValue(RoleCheck.CONFIG_KEY, String.class).orElse(null));
            clientId = clientId(clock);
        } catch (BankTokenException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            // A bad per-bank key shows up in each check that touches the bank: report it once.
            throw ConfigurationException.report(List.copyOf(new LinkedHashSet<>(problems)));
        }
        // The directory guard runs before any endpoint is built: an unknown or disabled bank sends nothing.
        BankRegistry registry = bank -> {
            BankEndpoints endpoints = settings.endpoints(directory.require(bank).bkcode());
            checkRoles(bank.value(), endpoints.defaultScope());
            return endpoints;
        };
        // Only now: a failed start must not leave a scheduler thread of ours behind.
        scheduler = scheduler();
        manager = new TokenManager(registry, clientId, http, clock, settings.tokenPolicy(), jsonb, scheduler,
                settings.resilience(), reporting);
        checkInterval = readCheckInterval();
        scheduleIdentityCheck();
    }

    /**
     * The application's own {@link TokenMetrics} bean if it has one, else the Micrometer binding where the
     * server provides Micrometer, else none.
     */
    private TokenMetrics metricsBinding(List<String> problems) {
        if (!settings.metricsEnabled()) {
            return TokenMetrics.NONE;
        }
        List<Instance.Handle<TokenMetrics>> own = new ArrayList<>();
        Instance.Handle<TokenMetrics> builtIn = null;
        for (Instance.Handle<TokenMetrics> handle : metrics.handles()) {
            if (handle.getBean().getBeanClass().getName().equals(BUILT_IN_METRICS)) {
                builtIn = handle;
            } else {
                own.add(handle);
            }
        }
        if (own.size() > 1) {
            problems.add("several beans implement TokenMetrics (" + own.stream()
                    .map(h -> h.getBean().getBeanClass().getName()).sorted().toList()
                    + "): keep one, or set " + Psd2Config.METRICS_ENABLED + "=false");
            return TokenMetrics.NONE;
        }
        if (own.size() == 1) {
            return own.get(0).get();
        }
        return builtIn != null ? builtIn.get() : TokenMetrics.NONE;
    }

    // Every enabled bank's hosts must be covered by an Elytron match rule, or its QWAC would not be presented.
    private List<String> tlsProblems(List<Bkcode> banks) {
        String mode = config.getOptionalValue(TLS_CHECK, String.class).orElse("fail").strip().toLowerCase(Locale.ROOT);
        if (mode.equals("off")) {
            return List.of();
        }
        if (!mode.equals("fail") && !mode.equals("warn")) {
            return List.of(TLS_CHECK + " must be fail, warn or off, got \"" + mode + "\"");
        }
        List<String> problems = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (Bkcode bank : banks) {
            try {
                BankEndpoints endpoints = settings.endpoints(bank);
                for (URI uri : List.of(endpoints.tokenEndpoint(), endpoints.apiBase())) {
                    if (seen.add(uri.getHost() + ":" + uri.getPort())) {
                        sslContexts.forUri(uri);
                    }
                }
            } catch (BankTokenException e) {
                problems.add(e.getMessage());
            }
        }
        if (mode.equals("warn")) {
            problems.forEach(LOG::warning);
            return List.of();
        }
        return problems;
    }

    /**
     * Created when the application starts, not at its first request, so that a wrong client id, a certificate
     * without organizationIdentifier or an invalid setting fails the deployment with a message saying what to fix.
     */
    void validateAtStartup(@Observes Startup startup) {
        LOG.fine(() -> "psd2-token ready; client_id " + (identity == null ? "from configuration" : "from the QWAC"));
    }

    /**
     * Reads the QWAC that Elytron presents (one TLS handshake with the probe bank's token endpoint) and derives
     * the client_id from it; a configured psd2.client-id must match unless declared linked.
     */
    private String clientId(TokenClock clock) {
        Optional<String> configured = settings.clientId();
        String probeBank = config.getOptionalValue(PROBE_BANK, String.class).orElse(null);
        if ("none".equalsIgnoreCase(probeBank)) {
            return configured.orElse(null);
        }
        URI endpoint = settings.endpoints(probeBank(probeBank)).tokenEndpoint();
        probeEndpoint = endpoint;
        try {
            PresentedCertificate presented = PresentedCertificate.fetch(endpoint, sslContexts.forUri(endpoint),
                    settings.connectTimeout(), settings.requestTimeout());
            identity = TppIdentity.of(presented.certificate());
            LOG.info("PSD2 identity (QWAC presented to " + presented.host() + "): " + identity);
            identity.expiryWarning(clock.now()).ifPresent(LOG::warning);
            boolean linked = config.getOptionalValue(ClientIds.LINKED_KEY, Boolean.class).orElse(false);
            return ClientIds.resolve(identity, configured, linked);
        } catch (PresentedCertificateException e) {
            if (e.reason() != PresentedCertificateException.Reason.UNREACHABLE || configured.isEmpty()) {
                throw e;
            }
            // The bank being down must not stop the application: the configured client_id is used meanwhile.
            LOG.warning(e.getMessage() + "; using the configured " + ClientIds.CLIENT_ID_KEY);
            return configured.get();
        }
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
        if (probeEndpoint == null) {
            return Optional.empty();
        }
        SSLContext context = sslContexts.forUri(probeEndpoint);
        // A resumed session would not show (nor present) a new certificate: force a full handshake.
        JdkBankHttp.forgetSessions(context);
        TppIdentity now = TppIdentity.of(PresentedCertificate.fetch(probeEndpoint, context,
                settings.connectTimeout(), settings.requestTimeout()).certificate());
        TppIdentity before = identity;
        if (before == null || !before.sha256Fingerprint().equals(now.sha256Fingerprint())) {
            identity = now;
            http.reset();
            manager.invalidateAll();
            roleChecked.clear();
            LOG.info("QWAC changed; cached tokens, pooled connections and TLS sessions dropped. Now: " + now);
            if (before != null && !before.organizationIdentifier().equals(now.organizationIdentifier())) {
                LOG.severe("the new QWAC has another organizationIdentifier (" + now.organizationIdentifier().value()
                        + " instead of " + before.organizationIdentifier().value() + "): redeploy the application"
                        + " so that the client_id follows");
            }
            rotations.fire(new QwacRotated(before, now));
        }
        return Optional.of(now);
    }

    private void scheduleIdentityCheck() {
        Duration interval = checkInterval;
        if (probeEndpoint == null || interval.isZero()) {
            return;
        }
        scheduler.schedule(() -> {
            try {
                reloadCredentials();
            } catch (RuntimeException e) {
                LOG.fine(() -> "QWAC check failed, tried again in " + interval + ": " + e.getMessage());
            } finally {
                scheduleIdentityCheck();
            }
        }, interval.toNanos());
    }

    private Duration readCheckInterval() {
        String raw = config.getOptionalValue(CHECK_INTERVAL, String.class).orElse("5m");
        return Psd2Config.parseDuration(CHECK_INTERVAL, raw);
    }

    private Bkcode probeBank(String configured) {
        if (configured != null) {
            return directory.require(configured).bkcode();
        }
        // The bank of BPCE's own example if enabled, else the first enabled bank.
        return directory.find(Bkcode.of("13807")).filter(Bank::enabled)
                .or(() -> directory.all().stream().filter(Bank::enabled).findFirst())
                .map(Bank::bkcode)
                .orElseThrow(() -> new ConfigurationException("no bank is enabled in the bank directory"));
    }

    // Warns (or refuses, per psd2.identity.role-check) once per bank and scope.
    private void checkRoles(String bkcode, Scope scope) {
        if (identity != null && roleChecked.add(bkcode + " " + scope)) {
            roleCheck.check(identity, scope, bkcode).ifPresent(LOG::warning);
        }
    }

    @PreDestroy
    void stop() {
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
        }
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
     * @return the cached token while it is fresh or stale, otherwise a new one from the single shared request
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode) {
        return manager.token(bkcode);
    }

    /**
     * A valid token of the bank for the given scope.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated roles, e.g. {@code "aisp"}; order and repeated spaces do not matter
     * @return the cached token of that bank and scope while usable, otherwise a new one; its
     *         {@link AccessToken#scope()} is what the bank granted
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode, String scope) {
        AccessToken token = manager.token(bkcode, scope);
        checkRoles(bkcode, token.scope());
        return token;
    }

    /**
     * The token without blocking: for asynchronous JAX-RS resources. Completes at once while a valid token
     * is cached; fails with the same typed errors as {@link #token(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code is malformed or unknown
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode) {
        return manager.tokenAsync(bkcode);
    }

    /**
     * The token of the bank for the scope, without blocking; see {@link #tokenAsync(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated roles, e.g. {@code "aisp"}
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code is malformed or unknown or
     *         the scope is invalid
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode, String scope) {
        return manager.tokenAsync(bkcode, scope);
    }

    /**
     * Calls the bank's API with its token and, if the bank answers 403 "Invalid token", once more with a
     * new token. For code that does not use {@link io.psd2token.client.BankApiClients}.
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
     * @throws io.psd2token.token.TokenRejectedException when the second call is rejected too
     */
    public <T> T withToken(String bkcode, Function<AccessToken, T> call, Predicate<? super T> rejectedAsInvalid) {
        return manager.withToken(bkcode, call, rejectedAsInvalid);
    }

    /**
     * Forgets every cached token of the bank, e.g. after an operator revoked them.
     *
     * @param bkcode the bank's five-digit code; its tokens of every scope are dropped
     * @throws io.psd2token.bank.UnknownBankException when the code is malformed, unknown or disabled
     */
    public void invalidate(String bkcode) {
        manager.invalidate(directory.require(bkcode).bkcode());
    }

    /**
     * Forgets this token if it is still the cached one, keeping a newer one another thread already fetched.
     *
     * @param token the token the bank rejected, as it was handed out (compared by identity)
     * @return true if it was evicted; false if it was no longer cached
     */
    public boolean invalidate(AccessToken token) {
        return manager.invalidate(token);
    }

    /**
     * Per bank and scope: phase, age, time to expiry, request counts, last failure; never a token.
     *
     * @return one snapshot per (bank, scope) asked for since start, read now; safe to log or expose
     */
    public List<TokenState> states() {
        return manager.states();
    }

    /**
     * The TPP identity read from the QWAC at start, if it could be read.
     *
     * @return the identity last read (at start or by {@link #reloadCredentials()}), or empty when the probe
     *         bank was unreachable at start or {@code psd2.identity.probe-bank=none}
     */
    public Optional<TppIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    /**
     * Where the bank is reached (token endpoint, API base, default scope).
     *
     * @param bkcode the bank's five-digit code
     * @return the bank's endpoints: the per-bank settings, else the URL templates filled with the code
     * @throws io.psd2token.bank.UnknownBankException when the code is malformed, unknown or disabled
     */
    public BankEndpoints endpoints(String bkcode) {
        return settings.endpoints(directory.require(bkcode).bkcode());
    }

    /**
     * The SSL context the server's Elytron configuration assigns to the bank's PSD2 API, for clients that
     * call the API itself (e.g. an MP Rest Client); presents the QWAC.
     *
     * @param bkcode the bank's five-digit code
     * @return the context Elytron selects for the bank's API base host
     * @throws io.psd2token.bank.UnknownBankException when the code is malformed, unknown or disabled
     */
    public SSLContext sslContext(String bkcode) {
        return sslContexts.forUri(endpoints(bkcode).apiBase());
    }

    private TokenScheduler scheduler() {
        for (String name : SCHEDULER_NAMES) {
            try {
                return TokenScheduler.of((ScheduledExecutorService) new InitialContext().lookup(name));
            } catch (NamingException | ClassCastException e) {
                // Try the next name.
            }
        }
        // Outside a server (or with no default executor): one daemon thread of our own.
        LOG.info("no managed scheduled executor found; psd2-token uses its own scheduler thread");
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ownScheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "psd2-token-scheduler");
            thread.setDaemon(true);
            thread.setContextClassLoader(loader);
            return thread;
        });
        return TokenScheduler.of(ownScheduler);
    }
}
