package io.psd2token.internal.config;

import io.psd2token.internal.identity.RoleCheck;
import java.time.Duration;

/**
 * Every MicroProfile Config key of the library, with its type, default and range: the one configuration contract.
 * docs/configuration.md documents each of them (a test keeps the two in step); {@link Psd2Config} reads them.
 *
 * <p>Per-bank keys are {@code psd2.bank.<bkcode>.<suffix>}, with the suffixes below ({@link #perBank}).
 */
public final class Psd2Keys {

    private Psd2Keys() {
    }

    /** Placeholder replaced by the bank code in the URL templates. */
    public static final String BKCODE_PLACEHOLDER = "{bkcode}";
    /** The live BPCE 89C3 token endpoint. */
    public static final String LIVE_TOKEN_ENDPOINT = "https://www.{bkcode}.live.api.89c3.com/stet/psd2/oauth/token";
    /** The live BPCE 89C3 STET API base. */
    public static final String LIVE_API_BASE = "https://www.{bkcode}.live.api.89c3.com/stet/psd2/v1";
    /** The BPCE 89C3 sandbox token endpoint. */
    public static final String SANDBOX_TOKEN_ENDPOINT = "https://www.{bkcode}.sandbox.api.89c3.com/stet/psd2/oauth/token";
    /** The BPCE 89C3 sandbox STET API base. */
    public static final String SANDBOX_API_BASE = "https://www.{bkcode}.sandbox.api.89c3.com/stet/psd2/v1";

    /** Which built-in URL templates apply. */
    public enum Environment { LIVE, SANDBOX }

    /** What the start-up check does with an enabled bank whose hosts no Elytron match rule covers. */
    public enum TlsCheck { FAIL, WARN, OFF }

    // --- Where banks are and who we are
    /** {@code live} or {@code sandbox}. */
    public static final Key<Environment> ENVIRONMENT = Key.choice("psd2.environment", Environment.class,
            Environment.LIVE);
    /** Token endpoint URL template; default per environment. */
    public static final Key<String> TOKEN_ENDPOINT_TEMPLATE = Key.text("psd2.token-endpoint-template",
            "an https URL containing {bkcode}");
    /** PSD2 API base URL template; default per environment. */
    public static final Key<String> API_BASE_TEMPLATE = Key.text("psd2.api-base-template",
            "an https URL containing {bkcode}");
    /** The TPP's client_id; default: the QWAC's organizationIdentifier. */
    public static final Key<String> CLIENT_ID = Key.of("psd2.client-id", null,
            "printable ASCII without spaces, at most 128 characters, e.g. PSDFR-ACPR-12345", ClientIdText::check);
    /** {@code true} accepts a client id that differs from the QWAC's organizationIdentifier. */
    public static final Key<Boolean> CLIENT_ID_LINKED = Key.flag("psd2.client-id-linked", false);
    /** Scope asked for when the caller names none. */
    public static final Key<String> SCOPE = Key.of("psd2.scope", "pisp", "space-separated PSD2 roles", s -> s);
    /** Roles allowed in scopes besides pisp, aisp, cbpii and piisp, comma-separated. */
    public static final Key<String> SCOPE_EXTRA_ROLES = Key.text("psd2.scope.extra-roles",
            "roles separated by commas, e.g. extended_transaction_history");
    /** How many scopes one bank may have in use at once. */
    public static final Key<Integer> MAX_SCOPES_PER_BANK = Key.count("psd2.max-scopes-per-bank", 8, 1, 64);

    // --- Token lifetimes
    /** Lifetime assumed when the bank's response has no expires_in. */
    public static final Key<Duration> DEFAULT_EXPIRES_IN = Key.duration("psd2.default-expires-in", "600",
            Duration.ofSeconds(1), Duration.ofHours(24), false);
    /** Cap on the lifetime a bank announces. */
    public static final Key<Duration> MAX_TOKEN_LIFETIME = Key.duration("psd2.max-token-lifetime", "24h",
            Duration.ofSeconds(10), Duration.ofDays(7), false);
    /** The background refresh starts this long before a token's drop point. */
    public static final Key<Duration> REFRESH_SKEW = Key.duration("psd2.refresh-skew", "60s",
            Duration.ofMillis(100), Duration.ofHours(1), false);
    /** Tokens are dropped this long before their announced expiry. */
    public static final Key<Duration> EXPIRY_MARGIN = Key.duration("psd2.expiry-margin", "15s",
            Duration.ZERO, Duration.ofMinutes(10), true);
    /** How long a caller waits for a token another caller is fetching. */
    public static final Key<Duration> TOKEN_WAIT_TIMEOUT = Key.duration("psd2.token-wait-timeout", "30s",
            Duration.ofSeconds(1), Duration.ofMinutes(10), false);

    // --- A failing bank
    /** After a failed token request, callers get the same error for this long. */
    public static final Key<Duration> FAILURE_BACKOFF = Key.duration("psd2.failure-backoff", "1s",
            Duration.ZERO, Duration.ofMinutes(10), true);
    /** The longest a bank's Retry-After is honoured. */
    public static final Key<Duration> RETRY_AFTER_MAX = Key.duration("psd2.retry-after-max", "2m",
            Duration.ZERO, Duration.ofHours(1), true);
    /** Attempts per token request, the first included. */
    public static final Key<Integer> RETRY_MAX_ATTEMPTS = Key.count("psd2.retry.max-attempts", 3, 1, 10);
    /** Delay before the first retry; doubles for each further one. */
    public static final Key<Duration> RETRY_DELAY = Key.duration("psd2.retry.delay", "200ms",
            Duration.ZERO, Duration.ofMinutes(1), true);
    /** Cap on one retry delay. */
    public static final Key<Duration> RETRY_MAX_DELAY = Key.duration("psd2.retry.max-delay", "5s",
            Duration.ZERO, Duration.ofMinutes(5), true);
    /** Consecutive failed requests that open a bank's circuit; 0 disables the circuit breaker. */
    public static final Key<Integer> CIRCUIT_FAILURE_THRESHOLD = Key.count("psd2.circuit.failure-threshold", 5, 0,
            1000);
    /** How long an open circuit fails callers at once. */
    public static final Key<Duration> CIRCUIT_OPEN_FOR = Key.duration("psd2.circuit.open-for", "30s",
            Duration.ofSeconds(1), Duration.ofHours(1), false);
    /** Callers that may wait for a slow bank's token at the same time; 0 = no limit. */
    public static final Key<Integer> MAX_WAITING_CALLERS = Key.count("psd2.max-waiting-callers", 64, 0, 100_000);
    /** A bank is slow once its token request has been in flight this long. */
    public static final Key<Duration> SLOW_BANK_THRESHOLD = Key.duration("psd2.slow-bank-threshold", "3s",
            Duration.ZERO, Duration.ofMinutes(10), true);
    /** TCP connect timeout towards banks. */
    public static final Key<Duration> CONNECT_TIMEOUT = Key.duration("psd2.connect-timeout", "5s",
            Duration.ofMillis(100), Duration.ofMinutes(5), false);
    /** Timeout of a whole token request once connected. */
    public static final Key<Duration> REQUEST_TIMEOUT = Key.duration("psd2.request-timeout", "10s",
            Duration.ofMillis(100), Duration.ofMinutes(5), false);

    // --- Start-up and identity
    /** The bank whose token endpoint the start-up handshake that reads the QWAC uses; {@code none} skips it. */
    public static final Key<String> PROBE_BANK = Key.text("psd2.identity.probe-bank",
            "a bank code of the directory, or none");
    /** How often the QWAC Elytron presents is read again; 0 never. */
    public static final Key<Duration> CHECK_INTERVAL = Key.duration("psd2.identity.check-interval", "5m",
            Duration.ofSeconds(1), Duration.ofDays(1), true);
    /** What to do when a scope needs a PSD2 role the QWAC does not list. */
    public static final Key<RoleCheck> ROLE_CHECK = Key.choice("psd2.identity.role-check", RoleCheck.class,
            RoleCheck.WARN);
    /** Whether an enabled bank without Elytron TLS fails the start. */
    public static final Key<TlsCheck> TLS_CHECK = Key.choice("psd2.startup.tls-check", TlsCheck.class,
            TlsCheck.FAIL);

    // --- Warm start
    /** Banks (and scopes) whose tokens are fetched right after deployment and kept warm: none, all, or a list. */
    public static final Key<String> WARM_UP = Key.of("psd2.warm-up", "none",
            "none, all, or bank codes separated by commas, each optionally with :scope (13807,17515:aisp)", s -> s);
    /** Whether readiness is DOWN until every warm token is in. */
    public static final Key<Boolean> READINESS_REQUIRES_WARM_TOKENS = Key.flag("psd2.readiness.requires-warm-tokens",
            false);

    // --- The banks' APIs (BankApiClients)
    /** TCP connect timeout of API calls. */
    public static final Key<Duration> API_CONNECT_TIMEOUT = Key.duration("psd2.api.connect-timeout", "5s",
            Duration.ofMillis(100), Duration.ofMinutes(5), false);
    /** Read timeout of API calls. */
    public static final Key<Duration> API_READ_TIMEOUT = Key.duration("psd2.api.read-timeout", "30s",
            Duration.ofMillis(100), Duration.ofMinutes(10), false);
    /** How long a bank's API is left alone after it refused a call for its rate limit without Retry-After. */
    public static final Key<Duration> API_RATE_LIMIT_PAUSE = Key.duration("psd2.api.rate-limit-pause", "10s",
            Duration.ZERO, Duration.ofMinutes(10), true);

    // --- Observability
    /** Whether token metrics are reported. */
    public static final Key<Boolean> METRICS_ENABLED = Key.flag("psd2.metrics.enabled", true);
    /** Whether the Micrometer binding counts cache hits. */
    public static final Key<Boolean> METRICS_CACHE_HITS = Key.flag("psd2.metrics.cache-hits", true);

    // --- A cluster of nodes (docs/cluster.md)
    /** JNDI name of the Infinispan cache the nodes share their tokens through; not set: this node only. */
    public static final Key<String> CLUSTER_CACHE = Key.of("psd2.cluster.cache", null,
            "a JNDI name, e.g. java:jboss/infinispan/cache/psd2/tokens", ClusterCacheName::check);
    /** How often the tokens in use are compared with the cluster's. */
    public static final Key<Duration> CLUSTER_SYNC_INTERVAL = Key.duration("psd2.cluster.sync-interval", "1s",
            Duration.ofMillis(100), Duration.ofMinutes(1), false);

    // --- The bank directory
    /** Bank codes to add to the shipped list, comma-separated. */
    public static final Key<String> BANKS_EXTRA = Key.text("psd2.banks.extra", "bank codes separated by commas");
    /** Bank codes, comma-separated: every other bank is disabled. */
    public static final Key<String> BANKS_ONLY = Key.text("psd2.banks.only", "bank codes separated by commas");

    /** Prefix of the per-bank keys. */
    public static final String BANK_PREFIX = "psd2.bank.";

    /** Per-bank settings: {@code psd2.bank.<bkcode>.<suffix>}. */
    public enum PerBank {
        /** Full token endpoint URL of one bank. */
        TOKEN_ENDPOINT("token-endpoint"),
        /** API base URL of one bank. */
        API_BASE("api-base"),
        /** Default scope of one bank. */
        SCOPE("scope"),
        /** Where the token request's parameters go: form, query or form+query. */
        REQUEST_STYLE("request-style"),
        /** The name shown to a PSU. */
        NAME("name"),
        /** The short name. */
        SHORT_NAME("short-name"),
        /** BANQUE_POPULAIRE, CAISSE_EPARGNE or OTHER. */
        NETWORK("network"),
        /** Other names of the bank, separated by {@code |}. */
        ALIASES("aliases"),
        /** {@code false} disables the bank. */
        ENABLED("enabled");

        private final String suffix;

        PerBank(String suffix) {
            this.suffix = suffix;
        }

        /** @return the suffix, e.g. {@code token-endpoint} */
        public String suffix() {
            return suffix;
        }

        /**
         * @param bkcode the bank
         * @return the key for that bank, e.g. {@code psd2.bank.13807.token-endpoint}
         */
        public String key(String bkcode) {
            return BANK_PREFIX + bkcode + "." + suffix;
        }
    }

    /** A JNDI name in one of the namespaces a deployment can look up. */
    private static final class ClusterCacheName {
        private ClusterCacheName() {
        }

        static String check(String text) {
            if (!text.startsWith("java:") || text.length() > 256 || !text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("must be a JNDI name such as java:jboss/infinispan/cache/psd2/tokens");
            }
            return text;
        }
    }

    /** Checks a client_id the way the token request will need it, at start rather than at the first request. */
    private static final class ClientIdText {
        private ClientIdText() {
        }

        static String check(String text) {
            if (text.length() > 128 || !text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("must be printable ASCII without spaces, at most 128 characters,"
                        + " e.g. PSDFR-ACPR-12345 (the QWAC's organizationIdentifier)");
            }
            return text;
        }
    }
}
