package io.psd2token.health;

import io.psd2token.BankTokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * MicroProfile Health liveness of the token manager: it answers (its state can be read). Bank outages are
 * readiness matters, never a reason to restart the server.
 */
@Liveness
@ApplicationScoped
public class BankTokensLiveness implements HealthCheck {

    @Inject
    BankTokens tokens;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("psd2-token").withData("token-slots", tokens.states().size()).up().build();
    }
}
