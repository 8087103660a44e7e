package io.psd2token.health;

import io.psd2token.BankTokens;
import io.psd2token.identity.TppIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * MicroProfile Health readiness of the QWAC read at start: DOWN once it has expired (no bank will accept it),
 * UP with a warning below 30 days of validity, so monitoring alerts before the renewal is late.
 */
@Readiness
@ApplicationScoped
public class QwacReadiness implements HealthCheck {

    @Inject
    BankTokens tokens;

    private final Clock clock = Clock.systemUTC();

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("psd2-token-qwac");
        Optional<TppIdentity> identity = tokens.identity();
        if (identity.isEmpty()) {
            // Not read at start (probe bank unreachable or skipped): nothing known to be wrong.
            return response.withData("identity", "not read at start").up().build();
        }
        TppIdentity qwac = identity.get();
        Duration left = qwac.untilExpiry(clock);
        response.withData("organizationIdentifier", qwac.organizationIdentifier().value())
                .withData("subject", qwac.subject())
                .withData("serial", qwac.serialNumber())
                .withData("notAfter", qwac.notAfter().toString())
                .withData("daysToExpiry", left.toDays());
        qwac.expiryWarning(clock).ifPresent(w -> response.withData("warning", w));
        return response.status(qwac.expiryStatus(clock) != TppIdentity.ExpiryStatus.EXPIRED
                && qwac.expiryStatus(clock) != TppIdentity.ExpiryStatus.NOT_YET_VALID).build();
    }
}
