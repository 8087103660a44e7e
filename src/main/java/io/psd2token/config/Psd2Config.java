package io.psd2token.config;

import io.psd2token.ConfigurationException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.BankRegistry;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.RequestStyle;
import io.psd2token.http.JdkBankHttp;
import io.psd2token.bank.Scope;
import io.psd2token.token.Resilience;
import io.psd2token.token.TokenPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The library's configuration contract: every key, its default, and its validation. Values come from
 * MicroProfile Config, so each key can be set in a server-level config source, a system property, the
 * environment ({@code psd2.token-endpoint-template} as {@code PSD2_TOKEN_ENDPOINT_TEMPLATE}) or the
 * application's {@code microprofile-config.properties}. docs/configuration.md lists the same keys.
 *
 * <p>Immutable once read; per-bank values are resolved on first use and remembered.
 */
public final class Psd2Config implements BankRegistry {

    /** Placeholder replaced by the bank code in the URL templates. */
    public static final String BKCODE_PLACEHOLDER = "{bkcode}";

    /** Token endpoint URL template. */
    public static final String TOKEN_ENDPOINT_TEMPLATE = "psd2.token-endpoint-template";
    /** PSD2 API base URL template. */
    public static final String API_BASE_TEMPLATE = "psd2.api-base-template";
    /** The TPP's client_id (the QWAC's organizationIdentifier). */
    public static final String CLIENT_ID = "psd2.client-id";
    /** Scope asked for when the caller names none. */
    public static final String SCOPE = "psd2.scope";
    /** Lifetime assumed when the bank's response has no expires_in. */
    public static final String DEFAULT_EXPIRES_IN = "psd2.default-expires-in";
    /** Cap on the lifetime a bank announces. */
    public static final String MAX_TOKEN_LIFETIME = "psd2.max-token-lifetime";
    /** The background refresh starts this long before a token's announced expiry. */
    public static final String REFRESH_SKEW = "psd2.refresh-skew";
    /** After a failed token request, callers get the same error for this long. */
    public static final String FAILURE_BACKOFF = "psd2.failure-backoff";
    /** Attempts per token request, the first included. */
    public static final String RETRY_MAX_ATTEMPTS = "psd2.retry.max-attempts";
    /** Delay before the first retry; doubles for each further one. */
    public static final String RETRY_DELAY = "psd2.retry.delay";
    /** Cap on one retry delay. */
    public static final String RETRY_MAX_DELAY = "psd2.retry.max-delay";
    /** Consecutive failed requests that open a bank's circuit; 0 disables the circuit breaker. */
    public static final String CIRCUIT_FAILURE_THRESHOLD = "psd2.circuit.failure-threshold";
    /** How long an open circuit fails callers at once. */
    public static final String CIRCUIT_OPEN_FOR = "psd2.circuit.open-for";
    /** Callers that may wait for one bank's token at the same time; 0 = no limit. */
    public static final String MAX_WAITING_CALLERS = "psd2.max-waiting-callers";
    /** Tokens are dropped this long before their announced expiry. */
    public static final String EXPIRY_MARGIN = "psd2.expiry-margin";
    /** TCP connect timeout towards banks. */
    public static final String CONNECT_TIMEOUT = "psd2.connect-timeout";
    /** Timeout of a whole token request once connected. */
    public static final String REQUEST_TIMEOUT = "psd2.request-timeout";
    /** How long a caller waits for a token another caller is fetching. */
    public static final String TOKEN_WAIT_TIMEOUT = "psd2.token-wait-timeout";
    /** {@code true} (default) or {@code false}: whether token metrics are reported (Micrometer, or the application's own binding). */
    public static final String METRICS_ENABLED = "psd2.metrics.enabled";
    /**
     * {@code true} (default) or {@code false}: whether the Micrometer binding counts cache hits, one
     * {@code LongAdder} increment per cached call (measured in docs/performance.md).
     */
    public static final String METRICS_CACHE_HITS = "psd2.metrics.cache-hits";
    /** Prefix of the per-bank keys: {@code psd2.bank.<bkcode>.token-endpoint|api-base|scope}. */
    public static final String BANK_PREFIX = "psd2.bank.";

    /** {@code live} (default) or {@code sandbox}: which set of URL templates applies. */
    public static final String ENVIRONMENT = "psd2.environment";

    /** The BPCE 89C3 sandbox token endpoint. */
    public static final String SANDBOX_TOKEN_ENDPOINT_TEMPLATE =
            "https://www.{bkcode}.sandbox.api.89c3.com/stet/psd2/oauth/token";
    /** The BPCE 89C3 sandbox STET API base. */
    public static final String SANDBOX_API_BASE_TEMPLATE = "https://www.{bkcode}.sandbox.api.89c3.com/stet/psd2/v1";

    /** The live BPCE 89C3 token endpoint. */
    public static final String DEFAULT_TOKEN_ENDPOINT_TEMPLATE =
            "https://www.{bkcode}.live.api.89c3.com/stet/psd2/oauth/token";
    /** The live BPCE 89C3 STET API base. */
    public static final String DEFAULT_API_BASE_TEMPLATE = "https://www.{bkcode}.live.api.89c3.com/stet/psd2/v1";

    private static final Pattern SIMPLE_DURATION = Pattern.compile("([0-9]{1,9})\\s*(ms|s|m|h)?");

    private final Function<String, Optional<String>> source;
    private final String environment;
    private final String tokenEndpointTemplate;
    private final String apiBaseTemplate;
    private final String clientId;
    private final Scope scope;
    private final TokenPolicy tokenPolicy;
    private final Resilience resilience;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final boolean metricsEnabled;
    private final boolean metricsCacheHits;
    private final List<String> problems;
    private final Map<Bkcode, BankEndpoints> endpoints = new ConcurrentHashMap<>();

    /**
     * Reads and validates the global keys now, collecting every problem in {@link #problems()} (see
     * {@link #read}); per-bank keys are read when a bank is first used or by {@link #checkBanks}.
     *
     * @param source looks a key up, e.g. {@code key -> config.getOptionalValue(key, String.class)}
     */
    public Psd2Config(Function<String, Optional<String>> source) {
        this.source = source;
        List<String> problems = new ArrayList<>();
        this.environment = ConfigurationException.collect(problems, this::readEnvironment, "live");
        boolean sandbox = environment.equals("sandbox");
        String tokenDefault = sandbox ? SANDBOX_TOKEN_ENDPOINT_TEMPLATE : DEFAULT_TOKEN_ENDPOINT_TEMPLATE;
        String apiDefault = sandbox ? SANDBOX_API_BASE_TEMPLATE : DEFAULT_API_BASE_TEMPLATE;
        this.tokenEndpointTemplate = ConfigurationException.collect(problems, () -> template(TOKEN_ENDPOINT_TEMPLATE, tokenDefault), tokenDefault);
        this.apiBaseTemplate = ConfigurationException.collect(problems, () -> template(API_BASE_TEMPLATE, apiDefault), apiDefault);
        this.clientId = value(CLIENT_ID).orElse(null);
        this.scope = ConfigurationException.collect(problems, () -> scope(SCOPE, value(SCOPE).orElse("pisp")), Scope.PISP);
        TokenPolicy p = TokenPolicy.DEFAULT;
        this.tokenPolicy = new TokenPolicy(
                ConfigurationException.collect(problems, () -> duration(DEFAULT_EXPIRES_IN, p.defaultLifetime(), false), p.defaultLifetime()),
                ConfigurationException.collect(problems, () -> duration(MAX_TOKEN_LIFETIME, p.maxLifetime(), false), p.maxLifetime()),
                ConfigurationException.collect(problems, () -> duration(REFRESH_SKEW, p.refreshSkew(), true), p.refreshSkew()),
                ConfigurationException.collect(problems, () -> duration(EXPIRY_MARGIN, p.expiryMargin(), true), p.expiryMargin()),
                ConfigurationException.collect(problems, () -> duration(TOKEN_WAIT_TIMEOUT, p.waitTimeout(), false), p.waitTimeout()),
                ConfigurationException.collect(problems, () -> duration(FAILURE_BACKOFF, p.failureBackoff(), true), p.failureBackoff()));
        Resilience r = Resilience.DEFAULT;
        Resilience resilienceRead = new Resilience(
                ConfigurationException.collect(problems, () -> count(RETRY_MAX_ATTEMPTS, r.maxAttempts(), 1), r.maxAttempts()),
                ConfigurationException.collect(problems, () -> duration(RETRY_DELAY, r.retryDelay(), true), r.retryDelay()),
                ConfigurationException.collect(problems, () -> duration(RETRY_MAX_DELAY, r.maxRetryDelay(), true), r.maxRetryDelay()),
                ConfigurationException.collect(problems, () -> count(CIRCUIT_FAILURE_THRESHOLD, r.circuitThreshold(), 0), r.circuitThreshold()),
                ConfigurationException.collect(problems, () -> duration(CIRCUIT_OPEN_FOR, r.circuitOpenFor(), false), r.circuitOpenFor()),
                ConfigurationException.collect(problems, () -> count(MAX_WAITING_CALLERS, r.maxWaitingCallers(), 0), r.maxWaitingCallers()));
        this.connectTimeout = ConfigurationException.collect(problems, () -> duration(CONNECT_TIMEOUT, Duration.ofSeconds(5), false),
                Duration.ofSeconds(5));
        this.requestTimeout = ConfigurationException.collect(problems, () -> duration(REQUEST_TIMEOUT, Duration.ofSeconds(10), false),
                Duration.ofSeconds(10));
        this.metricsEnabled = ConfigurationException.collect(problems, () -> flag(METRICS_ENABLED, true), false);
        this.metricsCacheHits = ConfigurationException.collect(problems, () -> flag(METRICS_CACHE_HITS, true), false);
        // One attempt may take the request timeout plus a failure diagnosis: retries must fit in the wait.
        this.resilience = resilienceRead.withAttemptTimeout(requestTimeout.plus(JdkBankHttp.MAX_DIAGNOSIS));
        Duration minWait = requestTimeout.plus(JdkBankHttp.MAX_DIAGNOSIS);
        if (tokenPolicy.waitTimeout().compareTo(minWait) < 0) {
            problems.add(TOKEN_WAIT_TIMEOUT + " (" + tokenPolicy.waitTimeout().toMillis() + " ms) must be at least "
                    + REQUEST_TIMEOUT + " plus " + JdkBankHttp.MAX_DIAGNOSIS.toSeconds() + " s (" + minWait.toMillis()
                    + " ms), or callers waiting on a shared request time out before it reports its real error");
        }
        this.problems = List.copyOf(problems);
    }

    /**
     * Reads the configuration and fails if any value is invalid.
     *
     * @param source looks a key up, e.g. {@code key -> config.getOptionalValue(key, String.class)}
     * @return the configuration, every global key valid; per-bank keys are checked on first use
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
     * @return an unmodifiable list of the problems in the global keys; empty when all are valid
     */
    public List<String> problems() {
        return problems;
    }

    /**
     * Resolves the endpoints of each bank now, so that a wrong per-bank key is reported at start.
     *
     * @param banks the banks whose per-bank keys to check, e.g. every enabled bank of the directory
     * @return one line per problem found, naming the key; empty when all is well
     */
    public List<String> checkBanks(Collection<Bkcode> banks) {
        List<String> problems = new ArrayList<>();
        for (Bkcode bank : banks) {
            ConfigurationException.collect(problems, () -> endpoints(bank), null);
        }
        return problems;
    }

    /**
     * The TPP's client_id, if configured.
     *
     * @return the value of {@code psd2.client-id}, or empty when unset; the QWAC's organizationIdentifier then
     *         serves as client_id
     */
    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }

    /**
     * The scope asked for when a caller names none (default {@code pisp}).
     *
     * @return the value of {@code psd2.scope}; a bank's {@code psd2.bank.<bkcode>.scope} overrides it
     */
    public Scope scope() {
        return scope;
    }

    /**
     * Token lifetimes and waits.
     *
     * @return the policy built from the lifetime, skew, margin, wait and back-off keys, defaults filling gaps
     */
    public TokenPolicy tokenPolicy() {
        return tokenPolicy;
    }

    /**
     * Retries, circuit breaker and bulkhead.
     *
     * @return the settings of the {@code psd2.retry.*}, {@code psd2.circuit.*} and
     *         {@code psd2.max-waiting-callers} keys, with an attempt timeout of the request timeout plus the
     *         failure diagnosis
     */
    public Resilience resilience() {
        return resilience;
    }

    /**
     * TCP connect timeout towards banks (default 5 s).
     *
     * @return the value of {@code psd2.connect-timeout}, positive
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * Timeout of one token request once connected (default 10 s).
     *
     * @return the value of {@code psd2.request-timeout}, positive
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Whether token metrics are reported (default true).
     *
     * @return the value of {@code psd2.metrics.enabled}
     */
    public boolean metricsEnabled() {
        return metricsEnabled;
    }

    /**
     * Whether the Micrometer binding counts cache hits (default true).
     *
     * @return the value of {@code psd2.metrics.cache-hits}
     */
    public boolean metricsCacheHits() {
        return metricsCacheHits;
    }

    @Override
    public BankEndpoints endpoints(Bkcode bank) {
        return endpoints.computeIfAbsent(bank, this::resolve);
    }

    private BankEndpoints resolve(Bkcode bank) {
        String prefix = BANK_PREFIX + bank.value() + ".";
        URI token = url(prefix + "token-endpoint", value(prefix + "token-endpoint")
                .orElse(tokenEndpointTemplate.replace(BKCODE_PLACEHOLDER, bank.value())), false);
        URI api = url(prefix + "api-base", value(prefix + "api-base")
                .orElse(apiBaseTemplate.replace(BKCODE_PLACEHOLDER, bank.value())), false);
        Scope bankScope = value(prefix + "scope").map(s -> scope(prefix + "scope", s)).orElse(scope);
        RequestStyle style = RequestStyle.FORM;
        Optional<String> rawStyle = value(prefix + "request-style");
        if (rawStyle.isPresent()) {
            try {
                style = RequestStyle.parse(rawStyle.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(bank.value(), prefix + "request-style " + e.getMessage());
            }
        }
        return new BankEndpoints(bank, token, api, bankScope, style);
    }

    private Optional<String> value(String key) {
        return source.apply(key).map(String::strip).filter(v -> !v.isEmpty());
    }

    /**
     * {@code live} or {@code sandbox}.
     *
     * @return the value of {@code psd2.environment} in lower case, which picks the default URL templates
     */
    public String environment() {
        return environment;
    }

    private String readEnvironment() {
        String env = value(ENVIRONMENT).orElse("live").toLowerCase(Locale.ROOT);
        if (!env.equals("live") && !env.equals("sandbox")) {
            throw new ConfigurationException(ENVIRONMENT + " must be live or sandbox, got \"" + env + "\"");
        }
        return env;
    }

    // The plain key wins; else the key of the environment (psd2.sandbox.token-endpoint-template); else the default.
    private String template(String key, String defaultValue) {
        String envKey = "psd2." + environment + key.substring("psd2".length());
        String template = value(key).or(() -> value(envKey)).orElse(defaultValue);
        if (!template.contains(BKCODE_PLACEHOLDER)) {
            throw new ConfigurationException(key + " must contain the placeholder " + BKCODE_PLACEHOLDER
                    + ", e.g. " + defaultValue);
        }
        url(key, template.replace(BKCODE_PLACEHOLDER, "00000"), true);
        return template;
    }

    private static URI url(String key, String value, boolean isTemplate) {
        String shown = isTemplate ? "" : " (\"" + value + "\")";
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

    private static Scope scope(String key, String value) {
        try {
            return Scope.of(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(key + " is invalid: " + e.getMessage());
        }
    }

    private int count(String key, int defaultValue, int min) {
        Optional<String> raw = value(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(raw.get());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new ConfigurationException(key + " must be a whole number of at least " + min + ", got \""
                + raw.get() + "\"");
    }

    private boolean flag(String key, boolean defaultValue) {
        Optional<String> raw = value(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigurationException(key + " must be true or false, got \"" + raw.get() + "\"");
        };
    }

    private Duration duration(String key, Duration defaultValue, boolean zeroAllowed) {
        Optional<String> raw = value(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        Duration d = parseDuration(key, raw.get());
        if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
            throw new ConfigurationException(key + " must be " + (zeroAllowed ? "zero or more" : "positive")
                    + ", got " + raw.get());
        }
        return d;
    }

    /**
     * Accepts ISO-8601 ({@code PT30S}), whole seconds ({@code 30}) or a number with ms/s/m/h ({@code 500ms}).
     *
     * @param key the configuration key the text was read from, named in the error message
     * @param text the configured value
     * @return the duration written; it may be zero or negative (ISO-8601), the caller checks the range
     * @throws ConfigurationException naming the key and showing valid forms, when the text is no duration
     */
    public static Duration parseDuration(String key, String text) {
        Matcher m = SIMPLE_DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new ConfigurationException(key + " is not a duration: \"" + text
                    + "\"; write e.g. 30 (seconds), 500ms, 5m, 1h or PT30S");
        }
    }
}
