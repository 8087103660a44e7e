package io.psd2token.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.ConfigurationException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.RequestStyle;
import io.psd2token.bank.Scope;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class Psd2ConfigTest {

    private final Map<String, String> values = new HashMap<>();

    private Psd2Config config() {
        return Psd2Config.read(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void defaultsPointAtTheLiveBpceEndpointsWithScopePisp() {
        BankEndpoints e = config().endpoints(Bkcode.of("13807"));
        assertEquals(URI.create("https://www.13807.live.api.89c3.com/stet/psd2/oauth/token"), e.tokenEndpoint());
        assertEquals(URI.create("https://www.13807.live.api.89c3.com/stet/psd2/v1"), e.apiBase());
        assertEquals(Scope.PISP, e.defaultScope());
        assertTrue(config().clientId().isEmpty());
    }

    @Test
    void templatesAndPerBankOverridesApply() {
        values.put("psd2.token-endpoint-template", "https://localhost:9443/{bkcode}/stet/psd2/oauth/token");
        values.put("psd2.api-base-template", "https://localhost:9443/{bkcode}/stet/psd2/v1");
        values.put("psd2.scope", "aisp pisp");
        values.put("psd2.bank.17515.token-endpoint", "https://sandbox.example/oauth/token");
        values.put("psd2.bank.17515.scope", "cbpii");
        Psd2Config c = config();
        assertEquals(URI.create("https://localhost:9443/13807/stet/psd2/oauth/token"),
                c.endpoints(Bkcode.of("13807")).tokenEndpoint());
        assertEquals(Scope.of("pisp aisp"), c.endpoints(Bkcode.of("13807")).defaultScope());
        assertEquals(URI.create("https://sandbox.example/oauth/token"), c.endpoints(Bkcode.of("17515")).tokenEndpoint());
        assertEquals(URI.create("https://localhost:9443/17515/stet/psd2/v1"), c.endpoints(Bkcode.of("17515")).apiBase());
        assertEquals(Scope.of("cbpii"), c.endpoints(Bkcode.of("17515")).defaultScope());
    }

    @Test
    void metricsFlagsDefaultToTrueAcceptTrueOrFalseAndRefuseAnythingElse() {
        assertTrue(config().metricsEnabled() && config().metricsCacheHits());
        values.put("psd2.metrics.enabled", "FALSE");
        values.put("psd2.metrics.cache-hits", " false ");
        assertFalse(config().metricsEnabled() || config().metricsCacheHits());
        values.put("psd2.metrics.enabled", "maybe");
        values.put("psd2.metrics.cache-hits", "1");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.metrics.enabled must be true or false, got \"maybe\""), e.getMessage());
        assertTrue(e.getMessage().contains("psd2.metrics.cache-hits must be true or false, got \"1\""), e.getMessage());
    }

    @Test
    void templateWithoutPlaceholderIsRefusedNamingTheKey() {
        values.put("psd2.token-endpoint-template", "https://www.13807.live.api.89c3.com/stet/psd2/oauth/token");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.token-endpoint-template"));
        assertTrue(e.getMessage().contains("{bkcode}"));
    }

    @Test
    void plainHttpIsRefused() {
        values.put("psd2.api-base-template", "http://www.{bkcode}.example/v1");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.api-base-template") && e.getMessage().contains("https"));
        values.clear();
        values.put("psd2.bank.13807.token-endpoint", "http://insecure.example/token");
        var perBank = assertThrows(ConfigurationException.class, () -> config().endpoints(Bkcode.of("13807")));
        assertTrue(perBank.getMessage().contains("psd2.bank.13807.token-endpoint"));
    }

    @Test
    void durationsAcceptIsoSecondsAndUnits() {
        values.put("psd2.default-expires-in", "300");
        values.put("psd2.expiry-margin", "PT5S");
        values.put("psd2.token-wait-timeout", "62500ms");
        values.put("psd2.max-token-lifetime", "2h");
        values.put("psd2.connect-timeout", "3s");
        values.put("psd2.request-timeout", "1m");
        Psd2Config c = config();
        assertEquals(Duration.ofSeconds(300), c.tokenPolicy().defaultLifetime());
        assertEquals(Duration.ofSeconds(5), c.tokenPolicy().expiryMargin());
        assertEquals(Duration.ofMillis(62500), c.tokenPolicy().waitTimeout());
        assertEquals(Duration.ofHours(2), c.tokenPolicy().maxLifetime());
        assertEquals(Duration.ofSeconds(3), c.connectTimeout());
        assertEquals(Duration.ofMinutes(1), c.requestTimeout());
    }

    @Test
    void badDurationsSayHowToWriteOne() {
        values.put("psd2.default-expires-in", "an hour");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.default-expires-in") && e.getMessage().contains("PT30S"));
        values.put("psd2.default-expires-in", "0");
        assertTrue(assertThrows(ConfigurationException.class, this::config).getMessage().contains("must be from 1s to 24h"));
        values.put("psd2.default-expires-in", "99999999999999999999");
        assertThrows(ConfigurationException.class, this::config);
    }

    @Test
    void everyBadValueIsReportedAtOnce() {
        values.put("psd2.expiry-margin", "soon");
        values.put("psd2.retry.max-attempts", "0");
        values.put("psd2.token-endpoint-template", "https://no-placeholder.example/token");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().startsWith("psd2-token configuration has 3 problems"), e.getMessage());
        assertTrue(e.getMessage().contains("psd2.expiry-margin") && e.getMessage().contains("psd2.retry.max-attempts")
                && e.getMessage().contains("psd2.token-endpoint-template"), e.getMessage());
    }

    @Test
    void waitTimeoutShorterThanOneRequestIsReported() {
        values.put("psd2.request-timeout", "40s");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.token-wait-timeout") && e.getMessage().contains("42000 ms"),
                e.getMessage());
    }

    @Test
    void withoutTheClusterKeyTheNodeKeepsItsTokensAndWithItTheWaitMustOutlastALease() {
        assertTrue(config().clusterCache().isEmpty());
        assertEquals(java.time.Duration.ofSeconds(1), config().clusterSyncInterval());
        values.put("psd2.cluster.cache", "java:jboss/infinispan/cache/psd2/tokens");
        values.put("psd2.cluster.sync-interval", "250ms");
        assertEquals(Optional.of("java:jboss/infinispan/cache/psd2/tokens"), config().clusterCache());
        assertEquals(java.time.Duration.ofMillis(250), config().clusterSyncInterval());
        // The default lease: 13 s attempt + 5 s retry delay + 2 s = 20 s, within the default 30 s wait.
        values.put("psd2.token-wait-timeout", "20s");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("cluster lease (20000 ms"), e.getMessage());
        values.put("psd2.cluster.cache", "tokens");
        e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.cluster.cache") && e.getMessage().contains("JNDI name"),
                e.getMessage());
    }

    @Test
    void sandboxEnvironmentSwitchesTheDefaultTemplates() {
        values.put("psd2.environment", "sandbox");
        Psd2Config c = config();
        assertEquals(Psd2Keys.Environment.SANDBOX, c.environment());
        assertEquals(URI.create("https://www.17515.sandbox.api.89c3.com/stet/psd2/oauth/token"),
                c.endpoints(Bkcode.of("17515")).tokenEndpoint());
        assertEquals(URI.create("https://www.17515.sandbox.api.89c3.com/stet/psd2/v1"),
                c.endpoints(Bkcode.of("17515")).apiBase());
    }

    @Test
    void eachEnvironmentCanHaveItsOwnTemplatesAndThePlainKeyWins() {
        values.put("psd2.sandbox.token-endpoint-template", "https://sandbox.example/{bkcode}/token");
        values.put("psd2.live.token-endpoint-template", "https://live.example/{bkcode}/token");
        assertEquals(URI.create("https://live.example/13807/token"), config().endpoints(Bkcode.of("13807")).tokenEndpoint());
        values.put("psd2.environment", "SANDBOX");
        assertEquals(URI.create("https://sandbox.example/13807/token"),
                config().endpoints(Bkcode.of("13807")).tokenEndpoint());
        values.put("psd2.token-endpoint-template", "https://override.example/{bkcode}/token");
        assertEquals(URI.create("https://override.example/13807/token"),
                config().endpoints(Bkcode.of("13807")).tokenEndpoint());
    }

    @Test
    void unknownEnvironmentIsRefused() {
        values.put("psd2.environment", "prod");
        assertTrue(assertThrows(ConfigurationException.class, this::config).getMessage().contains("live or sandbox"));
    }

    @Test
    void requestStyleIsPerBank() {
        values.put("psd2.bank.13807.request-style", "form+query");
        values.put("psd2.bank.17515.request-style", "Query");
        Psd2Config c = config();
        assertEquals(RequestStyle.FORM_AND_QUERY, c.endpoints(Bkcode.of("13807")).requestStyle());
        assertEquals(RequestStyle.QUERY, c.endpoints(Bkcode.of("17515")).requestStyle());
        assertEquals(RequestStyle.FORM, c.endpoints(Bkcode.of("12579")).requestStyle());
        values.put("psd2.bank.12579.request-style", "json");
        var e = assertThrows(ConfigurationException.class, () -> config().endpoints(Bkcode.of("12579")));
        assertTrue(e.getMessage().contains("psd2.bank.12579.request-style"), e.getMessage());
    }

    @Test
    void invalidScopeIsRefusedNamingTheKey() {
        values.put("psd2.scope", "pisp\"");
        assertTrue(assertThrows(ConfigurationException.class, this::config).getMessage().contains("psd2.scope"));
    }

    @Test
    void everyDurationKeyHasARangeAndOutOfRangeValuesJoinTheOneReport() {
        // Found by the hardening runs: a huge psd2.failure-backoff once wedged a slot, a huge check interval crashed the start,
        // and -PT5M repeated the identity check without pause. Now each is a line of the start-up report.
        values.put("psd2.failure-backoff", "99999999h");
        values.put("psd2.identity.check-interval", "PT2562047788015215H");
        values.put("psd2.retry-after-max", "-PT5M");
        values.put("psd2.refresh-skew", "0");
        values.put("psd2.circuit.open-for", "P400D");
        Psd2Config c = new Psd2Config(key -> Optional.ofNullable(values.get(key)));
        List<String> problems = c.problems();
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("psd2.failure-backoff must be 0, or from")
                || p.startsWith("psd2.failure-backoff must be from 0 to 10m")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("psd2.identity.check-interval must be 0, or from 1s to 24h")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("psd2.retry-after-max") && p.contains("-PT5M")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("psd2.refresh-skew must be from 100ms to 1h")),
                problems.toString());
        assertEquals(TokenPolicyDefaults.FAILURE_BACKOFF, c.tokenPolicy().failureBackoff(), "the default stands in");
        assertEquals(Duration.ofMinutes(5), c.checkInterval());
    }

    @Test
    void aClientIdWithSpacesOrNonAsciiIsRefusedAtStart() {
        // Found by the hardening runs: a bad client id was found only at the first request, as a raw
        // IllegalArgumentException.
        for (String bad : List.of("PSDFR ACPR 12345", "PSDFR-ACPR-12345\u00e9", "x".repeat(129))) {
            values.put("psd2.client-id", bad);
            var e = assertThrows(ConfigurationException.class, this::config);
            assertTrue(e.getMessage().startsWith("psd2.client-id must be printable ASCII without spaces"),
                    e.getMessage());
        }
        values.put("psd2.client-id", "PSDFR-ACPR-12345");
        assertEquals(Optional.of("PSDFR-ACPR-12345"), config().clientId());
    }

    @Test
    void scopesOfTheConfigurationFollowTheSameRulesAsCallers() {
        values.put("psd2.scope", "pisp admin");
        values.put("psd2.bank.17515.scope", "aisp extended_transaction_history");
        Psd2Config c = new Psd2Config(key -> Optional.ofNullable(values.get(key)));
        assertEquals(2, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).contains("psd2.scope is invalid"), c.problems().toString());
        values.put("psd2.scope", "pisp");
        values.put("psd2.scope.extra-roles", "extended_transaction_history");
        assertEquals(Scope.of("aisp extended_transaction_history"), config().endpoints(Bkcode.of("17515")).defaultScope());
        values.put("psd2.max-scopes-per-bank", "0");
        assertThrows(ConfigurationException.class, this::config);
    }

    @Test
    void warmUpNamesBanksOfTheDirectoryWithOptionalScopesAndRefusesAnythingElseSayingWhy() {
        assertEquals(List.of(), config().warmUp(), "none by default");
        values.put("psd2.warm-up", " 13807, 17515:aisp+pisp ,");
        assertEquals(List.of(new Psd2Config.WarmToken(Bkcode.of("13807"), null),
                new Psd2Config.WarmToken(Bkcode.of("17515"), Scope.of("aisp pisp"))), config().warmUp());
        values.put("psd2.warm-up", "ALL");
        values.put("psd2.banks.only", "13807,17515");
        assertEquals(List.of(Bkcode.of("13807"), Bkcode.of("17515")),
                config().warmUp().stream().map(Psd2Config.WarmToken::bank)
                        .sorted(java.util.Comparator.comparing(Bkcode::value)).toList(), "every enabled bank");
        values.remove("psd2.banks.only");
        for (String bad : List.of("13807,99999", "1380", "13807:admin", "13807:")) {
            values.put("psd2.warm-up", bad);
            var e = assertThrows(ConfigurationException.class, this::config, bad);
            assertTrue(e.getMessage().contains("psd2.warm-up must be none, all, or bank codes"), e.getMessage());
        }
        values.put("psd2.warm-up", "13807");
        values.put("psd2.bank.13807.enabled", "false");
        var disabled = assertThrows(ConfigurationException.class, this::config);
        assertTrue(disabled.getMessage().contains("psd2.warm-up"), disabled.getMessage());
    }

    @Test
    void apiTimeoutsAndTheRateLimitPauseHaveDefaultsAndBounds() {
        Psd2Config c = config();
        assertEquals(Duration.ofSeconds(5), c.apiConnectTimeout());
        assertEquals(Duration.ofSeconds(30), c.apiReadTimeout());
        assertEquals(Duration.ofSeconds(10), c.apiRateLimitPause());
        assertFalse(c.readinessRequiresWarmTokens());
        values.put("psd2.api.read-timeout", "2m");
        values.put("psd2.api.rate-limit-pause", "0");
        values.put("psd2.readiness.requires-warm-tokens", "true");
        c = config();
        assertEquals(Duration.ofMinutes(2), c.apiReadTimeout());
        assertEquals(Duration.ZERO, c.apiRateLimitPause());
        assertTrue(c.readinessRequiresWarmTokens());
        values.put("psd2.api.connect-timeout", "0");
        var e = assertThrows(ConfigurationException.class, this::config);
        assertTrue(e.getMessage().contains("psd2.api.connect-timeout"), e.getMessage());
    }

    /** The defaults a test compares with, named once. */
    private static final class TokenPolicyDefaults {
        static final Duration FAILURE_BACKOFF = Duration.ofSeconds(1);
    }
}
