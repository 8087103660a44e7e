package io.psd2token.health;

import io.psd2token.BankTokens;
import io.psd2token.internal.config.Psd2Keys;
import io.psd2token.token.TokenState;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * MicroProfile Health readiness of the banks in use: for each (bank, scope), the token's phase, time since
 * the last successful token request, the last failure and the bank's circuit state.
 *
 * <p>One failing bank does not make the application unready — the others still work, and a load balancer
 * taking every node out would help nobody. It reports DOWN only when every bank in use has its circuit open, or,
 * with {@code psd2.readiness.requires-warm-tokens=true}, while a token of {@code psd2.warm-up} is not in yet
 * ({@code warm-tokens-missing} names them). On servers without MicroProfile Health the class is simply not loaded.
 */
@Readiness
@ApplicationScoped
public class BankTokensReadiness implements HealthCheck {

    @Inject
    BankTokens tokens;

    @Inject
    Config config;

    private boolean requiresWarmTokens;

    @PostConstruct
    void readSettings() {
        // Checked with every other key when BankTokens started.
        requiresWarmTokens = Psd2Keys.READINESS_REQUIRES_WARM_TOKENS
                .read(name -> config.getOptionalValue(name, String.class)).orElse(false);
    }

    @Override
    public HealthCheckResponse call() {
        List<TokenState> states = tokens.states();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("psd2-token-banks");
        boolean anyUsable = states.isEmpty();
        List<String> warmMissing = new ArrayList<>();
        for (TokenState s : states) {
            String key = s.bank() + "." + s.scope().replace(' ', '+');
            response.withData(key + ".token", s.phase().name())
                    .withData(key + ".circuit", s.circuit())
                    .withData(key + ".requests", s.requests())
                    .withData(key + ".failures", s.failures());
            s.sinceLastSuccess().ifPresent(d -> response.withData(key + ".last-success-seconds-ago", d.toSeconds()));
            s.lastFailure().ifPresent(f -> response.withData(key + ".last-failure", bounded(f)));
            boolean hasToken = s.phase() == TokenState.Phase.FRESH || s.phase() == TokenState.Phase.STALE;
            anyUsable |= !"OPEN".equals(s.circuit()) || hasToken;
            if (s.keptWarm() && !hasToken) {
                warmMissing.add(s.bank() + ":" + s.scope().replace(' ', '+'));
            }
        }
        if (!warmMissing.isEmpty()) {
            response.withData("warm-tokens-missing", String.join(",", warmMissing));
        }
        return response.status(anyUsable && (!requiresWarmTokens || warmMissing.isEmpty())).build();
    }

    private static String bounded(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
