package io.psd2token.internal.config;

import io.psd2token.bank.Bank;
import io.psd2token.bank.BankDirectory;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.RequestStyle;
import io.psd2token.bank.Scope;
import io.psd2token.error.BankTokenException;
import io.psd2token.error.ConfigurationException;
import io.psd2token.error.SafeText;
import io.psd2token.error.UnknownBankException;
import io.psd2token.internal.config.Psd2Keys.Environment;
import io.psd2token.internal.config.Psd2Keys.PerBank;
import io.psd2token.internal.config.Psd2Keys.TlsCheck;
import io.psd2token.internal.identity.RoleCheck;
import io.psd2token.internal.token.BankRegistry;
import io.psd2token.internal.token.Resilience;
import io.psd2token.internal.token.ScopeRules;
import io.psd2token.internal.token.TokenPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The library's configuration, read once from MicroProfile Config: every key of {@link Psd2Keys}, the bank
 * directory built from the shipped list and its keys, and each enabled bank's endpoints. Every invalid value is
 * collected (the default stands in for it meanwhile) into {@link #problems()}, which the start-up turns into one
 * report, so an operator fixes them all in one round.
 *
 * <p>Values come from MicroProfile Config, so each key can be set in a server-level config source, a system
 * property, the environment ({@code psd2.token-endpoint-template} as {@code PSD2_TOKEN_ENDPOINT_TEMPLATE}) or
 * the application's {@code microprofile-config.properties}. Immutable once read; per-bank endpoints are
 * resolved on first use and remembered.
 *
 * <p>Over 300 lines because it is the contract itself: one typed getter per setting, each documented; the bank
 * directory's keys are read by {@link DirectorySettings}.
 */
public final class Psd2Config implements BankRegistry {

    /** The longest a failed token request may spend, after the request timeout, diagnosing a TLS failure. */
    public static final Duration MAX_DIAGNOSIS = Duration.ofSeconds(2);

    private static final Pattern CODE_LIST = Pattern.compile("[\\s,]+");
    private static final Pattern ROLE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,64}");

    private final Function<String, Optional<String>> source;
    private final Problems problems = new Problems();
    private final Environment environment;
    private final String tokenEndpointTemplate;
    private final String apiBaseTemplate;
    private final String clientId;
    private final boolean clientIdLinked;
    private final ScopeRules scopeRules;
    private final Scope scope;
    private final TokenPolicy tokenPolicy;
    private final Resilience resilience;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final boolean metricsEnabled;
    private final boolean metricsCacheHits;
    private final String probeBank;
    private final Duration checkInterval;
    private final RoleCheck roleCheck;
    private final TlsCheck tlsCheck;
    private final BankDirectory directory;
    private final List<WarmToken> warmUp;
    private final boolean readinessRequiresWarmTokens;
    private final Duration apiConnectTimeout;
    private final String clusterCache;
    private final Duration clusterSyncInterval;
    private final Duration apiReadTimeout;
    private final Duration apiRateLimitPause;
    private final Map<Bkcode, BankEndpoints> endpoints = new ConcurrentHashMap<>();

    /**
     * Reads and checks every global key and the bank directory now, and every enabled bank's per-bank keys.
     *
     * @param source looks a key up, e.g. {@code key -> config.getOptionalValue(key, String.class)}
     */
    public Psd2Config(Function<String, Optional<String>> source) {
        this.source = source;
        this.environment = read(Psd2Keys.ENVIRONMENT, Environment.LIVE);
        boolean sandbox = environment == Environment.SANDBOX;
        this.tokenEndpointTemplate = collect(() -> template(Psd2Keys.TOKEN_ENDPOINT_TEMPLATE,
                sandbox ? Psd2Keys.SANDBOX_TOKEN_ENDPOINT : Psd2Keys.LIVE_TOKEN_ENDPOINT),
                Psd2Keys.LIVE_TOKEN_ENDPOINT);
        this.apiBaseTemplate = collect(() -> template(Psd2Keys.API_BASE_TEMPLATE,
                sandbox ? Psd2Keys.SANDBOX_API_BASE : Psd2Keys.LIVE_API_BASE), Psd2Keys.LIVE_API_BASE);
        this.clientId = readOptional(Psd2Keys.CLIENT_ID).orElse(null);
        this.clientIdLinked = read(Psd2Keys.CLIENT_ID_LINKED, false);
        this.scopeRules = new ScopeRules(collect(this::extraRoles, Set.of()),
                read(Psd2Keys.MAX_SCOPES_PER_BANK, ScopeRules.DEFAULT.maxPerBank()));
        this.scope = collect(() -> scope(Psd2Keys.SCOPE.name(), read(Psd2Keys.SCOPE, "pisp")), Scope.PISP);
        TokenPolicy p = TokenPolicy.DEFAULT;
        this.tokenPolicy = new TokenPolicy(
                read(Psd2Keys.DEFAULT_EXPIRES_IN, p.defaultLifetime()),
                read(Psd2Keys.MAX_TOKEN_LIFETIME, p.maxLifetime()),
                read(Psd2Keys.REFRESH_SKEW, p.refreshSkew()),
                read(Psd2Keys.EXPIRY_MARGIN, p.expiryMargin()),
                read(Psd2Keys.TOKEN_WAIT_TIMEOUT, p.waitTimeout()),
                read(Psd2Keys.FAILURE_BACKOFF, p.failureBackoff()),
                read(Psd2Keys.RETRY_AFTER_MAX, p.retryAfterMax()));
        this.connectTimeout = read(Psd2Keys.CONNECT_TIMEOUT, Duration.ofSeconds(5));
        this.requestTimeout = read(Psd2Keys.REQUEST_TIMEOUT, Duration.ofSeconds(10));
        Resilience r = Resilience.DEFAULT;
        // One attempt may take the request timeout plus a failure diagnosis; the core's own bound on an attempt
        // leaves a second more, so the precise diagnosis always wins over the bound.
        this.resilience = new Resilience(
                read(Psd2Keys.RETRY_MAX_ATTEMPTS, r.maxAttempts()),
                read(Psd2Keys.RETRY_DELAY, r.retryDelay()),
                read(Psd2Keys.RETRY_MAX_DELAY, r.maxRetryDelay()),
                read(Psd2Keys.CIRCUIT_FAILURE_THRESHOLD, r.circuitThreshold()),
                read(Psd2Keys.CIRCUIT_OPEN_FOR, r.circuitOpenFor()),
                read(Psd2Keys.MAX_WAITING_CALLERS, r.maxWaitingCallers()),
                read(Psd2Keys.SLOW_BANK_THRESHOLD, r.slowBankThreshold()),
                requestTimeout.plus(MAX_DIAGNOSIS).plusSeconds(1));
        this.metricsEnabled = read(Psd2Keys.METRICS_ENABLED, true);
        this.metricsCacheHits = read(Psd2Keys.METRICS_CACHE_HITS, true);
        this.probeBank = readOptional(Psd2Keys.PROBE_BANK).orElse(null);
        this.checkInterval = read(Psd2Keys.CHECK_INTERVAL, Duration.ofMinutes(5));
        this.roleCheck = read(Psd2Keys.ROLE_CHECK, RoleCheck.WARN);
        this.tlsCheck = read(Psd2Keys.TLS_CHECK, TlsCheck.FAIL);
        Duration minWait = requestTimeout.plus(MAX_DIAGNOSIS);
        if (tokenPolicy.waitTimeout().compareTo(minWait) < 0) {
            problems.add(Psd2Keys.TOKEN_WAIT_TIMEOUT.name() + " (" + tokenPolicy.waitTimeout().toMillis()
                    + " ms) must be at least " + Psd2Keys.REQUEST_TIMEOUT.name() + " plus "
                    + MAX_DIAGNOSIS.toSeconds() + " s (" + minWait.toMillis() + " ms), or callers waiting on a"
                    + " shared request time out before it reports its real error");
        }
        this.directory = new DirectorySettings(source, problems).read();
        this.warmUp = collect(this::readWarmUp, List.of());
        this.readinessRequiresWarmTokens = read(Psd2Keys.READINESS_REQUIRES_WARM_TOKENS, false);
        this.apiConnectTimeout = read(Psd2Keys.API_CONNECT_TIMEOUT, Duration.ofSeconds(5));
        this.apiReadTimeout = read(Psd2Keys.API_READ_TIMEOUT, Duration.ofSeconds(30));
        this.apiRateLimitPause = read(Psd2Keys.API_RATE_LIMIT_PAUSE, Duration.ofSeconds(10));
        this.clusterCache = readOptional(Psd2Keys.CLUSTER_CACHE).orElse(null);
        this.clusterSyncInterval = read(Psd2Keys.CLUSTER_SYNC_INTERVAL, Duration.ofSeconds(1));
        Duration lease = resilience.leaseLifespan();
        if (clusterCache != null && tokenPolicy.waitTimeout().compareTo(lease) <= 0) {
            problems.add(Psd2Keys.TOKEN_WAIT_TIMEOUT.name() + " (" + tokenPolicy.waitTimeout().toMillis() + " ms) must"
                    + " be longer than a cluster lease (" + lease.toMillis() + " ms: one attempt, "
                    + Psd2Keys.RETRY_MAX_DELAY.name() + " and 2 s), or a caller waiting for a node that died would time"
                    + " out before another node takes over: raise it, or lower " + Psd2Keys.REQUEST_TIMEOUT.name());
        }
        for (Bank bank : directory.all()) {
            if (bank.enabled()) {
                collect(() -> endpoints(bank.bkcode()), null);
            }
        }
    }

    /**
     * Reads the configuration and fails if any value is invalid.
     *
     * @param source looks a key up
     * @return the configuration, every value valid
     * @throws ConfigurationException listing every invalid value, each with its key and the fix
     */
    public static Psd2Config read(Function<String, Optional<String>> source) {
        Psd2Config config = new Psd2Config(source);
        if (!config.problems().isEmpty()) {
            throw ConfigurationException.report(config.problems());
        }
        return config;
    }

    /**
     * The invalid values found, one line each naming its key; defaults stand in for them meanwhile.
     *
     * @return an unmodifiable copy; empty when all are valid
     */
    public List<String> problems() {
        return problems.lines();
    }

    /** @return the deployment's bank directory: the shipped list changed by configuration */
    public BankDirectory directory() {
        return directory;
    }

    /** @return the value of {@code psd2.client-id}, or empty when unset (the QWAC's organizationIdentifier then) */
    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }

    /** @return whether a client id other than the QWAC's organizationIdentifier is accepted */
    public boolean clientIdLinked() {
        return clientIdLinked;
    }

    /** @return the scope asked for when a caller names none */
    public Scope scope() {
        return scope;
    }

    /** @return which scopes callers may ask for */
    public ScopeRules scopeRules() {
        return scopeRules;
    }

    /** @return lifetimes, margins, waits and back-off */
    public TokenPolicy tokenPolicy() {
        return tokenPolicy;
    }

    /** @return retries, circuit breaker, waiting callers and the bound on one attempt */
    public Resilience resilience() {
        return resilience;
    }

    /** @return TCP connect timeout towards banks */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return timeout of one whole token request */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** @return whether token metrics are reported */
    public boolean metricsEnabled() {
        return metricsEnabled;
    }

    /** @return whether the Micrometer binding counts cache hits */
    public boolean metricsCacheHits() {
        return metricsCacheHits;
    }

    /** @return the configured probe bank ({@code none} included), or empty for the default choice */
    public Optional<String> probeBank() {
        return Optional.ofNullable(probeBank);
    }

    /** @return how often the presented QWAC is read again; zero never */
    public Duration checkInterval() {
        return checkInterval;
    }

    /** @return what to do when a scope needs a role the QWAC lacks */
    public RoleCheck roleCheck() {
        return roleCheck;
    }

    /** @return what the start-up check does with a bank host no Elytron rule covers */
    public TlsCheck tlsCheck() {
        return tlsCheck;
    }

    /** A token kept warm from deployment on: a bank, and a scope or {@code null} for the bank's default. */
    public record WarmToken(Bkcode bank, Scope scope) {
    }

    /** @return the tokens {@code psd2.warm-up} asks for, each bank enabled and each scope allowed */
    public List<WarmToken> warmUp() {
        return warmUp;
    }

    /** @return whether readiness is DOWN until every warm token is in */
    public boolean readinessRequiresWarmTokens() {
        return readinessRequiresWarmTokens;
    }

    /** @return the connect timeout of API calls through BankApiClients */
    public Duration apiConnectTimeout() {
        return apiConnectTimeout;
    }

    /** @return the read timeout of API calls through BankApiClients */
    public Duration apiReadTimeout() {
        return apiReadTimeout;
    }

    /** @return how long a bank's API is left alone after a rate-limit refusal without Retry-After */
    public Duration apiRateLimitPause() {
        return apiRateLimitPause;
    }

    /** @return the JNDI name of the cluster's shared token cache, or empty: this node keeps its tokens to itself */
    public Optional<String> clusterCache() {
        return Optional.ofNullable(clusterCache);
    }

    /** @return how often the tokens in use are compared with the cluster's */
    public Duration clusterSyncInterval() {
        return clusterSyncInterval;
    }

    /** @return {@code live} or {@code sandbox} */
    public Environment environment() {
        return environment;
    }

    /**
     * The bank's endpoints, from its per-bank keys or the templates; behind the directory's guard.
     *
     * @param bank a well-formed bank code
     * @return the endpoints
     * @throws UnknownBankException when the bank is not in the directory or is disabled
     * @throws ConfigurationException naming the per-bank key that is invalid
     */
    @Override
    public BankEndpoints endpoints(Bkcode bank) {
        BankEndpoints known = endpoints.get(bank);
        if (known != null) {
            return known;
        }
        directory.require(bank);
        return endpoints.computeIfAbsent(bank, this::resolve);
    }

    private BankEndpoints resolve(Bkcode bank) {
        String b = bank.value();
        URI token = url(PerBank.TOKEN_ENDPOINT.key(b), value(PerBank.TOKEN_ENDPOINT.key(b))
                .orElse(tokenEndpointTemplate.replace(Psd2Keys.BKCODE_PLACEHOLDER, b)), false);
        URI api = url(PerBank.API_BASE.key(b), value(PerBank.API_BASE.key(b))
                .orElse(apiBaseTemplate.replace(Psd2Keys.BKCODE_PLACEHOLDER, b)), false);
        Scope bankScope = value(PerBank.SCOPE.key(b)).map(s -> scope(PerBank.SCOPE.key(b), s)).orElse(scope);
        RequestStyle style = RequestStyle.FORM;
        Optional<String> rawStyle = value(PerBank.REQUEST_STYLE.key(b));
        if (rawStyle.isPresent()) {
            try {
                style = RequestStyle.parse(rawStyle.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(b, PerBank.REQUEST_STYLE.key(b) + " " + e.getMessage());
            }
        }
        return new BankEndpoints(bank, token, api, bankScope, style);
    }

    // --- Reading, through the one problem collector

    private <T> T read(Key<T> key, T fallback) {
        return collect(() -> key.read(source).orElse(fallback), fallback);
    }

    private <T> Optional<T> readOptional(Key<T> key) {
        return collect(() -> key.read(source), Optional.empty());
    }

    private <T> T collect(Supplier<T> read, T fallback) {
        return problems.collect(read, fallback);
    }

    private Optional<String> value(String key) {
        return source.apply(key).map(String::strip).filter(v -> !v.isEmpty());
    }

    // The plain key wins; else the key of the environment (psd2.sandbox.token-endpoint-template); else the default.
    private String template(Key<String> key, String defaultValue) {
        String envKey = "psd2." + environment.name().toLowerCase(java.util.Locale.ROOT)
                + key.name().substring("psd2".length());
        String template = value(key.name()).or(() -> value(envKey)).orElse(defaultValue);
        if (!template.contains(Psd2Keys.BKCODE_PLACEHOLDER)) {
            throw new ConfigurationException(key.name() + " must contain the placeholder "
                    + Psd2Keys.BKCODE_PLACEHOLDER + ", e.g. " + defaultValue);
        }
        url(key.name(), template.replace(Psd2Keys.BKCODE_PLACEHOLDER, "00000"), true);
        return template;
    }

    private List<WarmToken> readWarmUp() {
        String raw = value(Psd2Keys.WARM_UP.name()).orElse("none");
        if (raw.equalsIgnoreCase("none")) {
            return List.of();
        }
        if (raw.equalsIgnoreCase("all")) {
            return directory.all().stream().filter(Bank::enabled).map(b -> new WarmToken(b.bkcode(), null)).toList();
        }
        List<WarmToken> tokens = new ArrayList<>();
        for (String entry : raw.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            String[] parts = e.split(":", 2);
            String key = Psd2Keys.WARM_UP.name();
            try {
                Bkcode bank = directory.require(parts[0].strip()).bkcode();
                Scope scope = parts.length == 1 ? null : scope(key, parts[1].replace('+', ' '));
                tokens.add(new WarmToken(bank, scope));
            } catch (BankTokenException x) {
                throw new ConfigurationException(key + " must be none, all, or bank codes of the directory separated by"
                        + " commas, each optionally with :scope (e.g. 13807,17515:aisp); \"" + SafeText.of(e, 40)
                        + "\" is refused: " + x.getMessage());
            }
        }
        return List.copyOf(tokens);
    }

    private Set<String> extraRoles() {
        Set<String> roles = new LinkedHashSet<>();
        for (String role : value(Psd2Keys.SCOPE_EXTRA_ROLES.name()).map(v -> v.split("[\\s,]+"))
                .orElse(new String[0])) {
            if (role.isEmpty()) {
                continue;
            }
            if (!ROLE.matcher(role).matches()) {
                throw new ConfigurationException(Psd2Keys.SCOPE_EXTRA_ROLES.name() + " must list roles of at most 64"
                        + " characters allowed in an OAuth scope (RFC 6749 §3.3), got \"" + SafeText.of(role, 64) + "\"");
            }
            roles.add(role);
        }
        return roles;
    }

    private Scope scope(String key, String value) {
        try {
            return scopeRules.parse(null, value);
        } catch (BankTokenException e) {
            throw new ConfigurationException(key + " is invalid: " + e.getMessage());
        }
    }

    private static URI url(String key, String value, boolean isTemplate) {
        String shown = isTemplate ? "" : " (\"" + SafeText.of(value, 200) + "\")";
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(key + " is not a valid URL" + shown + ": " + e.getReason());
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new ConfigurationException(key + " must be an https URL with a host name" + shown
                    + "; tokens are only ever requested over mutual TLS");
        }
        return uri;
    }

    /**
     * The per-bank problems of some banks, e.g. of banks a test adds after start.
     *
     * @param banks the banks to check
     * @return one line per problem found, naming the key
     */
    public List<String> checkBanks(Collection<Bkcode> banks) {
        List<String> found = new ArrayList<>();
        for (Bkcode bank : banks) {
            try {
                endpoints(bank);
            } catch (BankTokenException e) {
                found.add(e.getMessage());
            }
        }
        return found;
    }
}
