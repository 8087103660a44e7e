package io.psd2token;

import io.psd2token.bank.BankDirectory;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/**
 * Makes the {@link BankDirectory} injectable ({@code @Inject BankDirectory banks;}), built once from the shipped
 * list and MicroProfile Config.
 *
 * <p>The directory is built when the application starts; a malformed bank key becomes a line of the start-up
 * report of {@link BankTokens}, which fails the deployment, instead of failing a PSU's first request.
 */
@ApplicationScoped
public class BankDirectoryProducer {

    @Inject
    Config config;

    // Written once by @PostConstruct before the container hands the bean out; never changed after.
    private BankDirectory directory;

    @PostConstruct
    void load() {
        // Invalid values are kept as problems: BankTokens puts them in the one start-up report.
        directory = BankDirectory.read(key -> config.getOptionalValue(key, String.class));
    }

    // Empty on purpose: to deliver the event the container creates this bean, which runs load() while the
    // application deploys.
    void loadAtStartup(@Observes Startup startup) {
    }

    /**
     * The deployment's bank directory; immutable, so the same instance serves every injection point.
     *
     * @return the shipped list changed by this deployment's MicroProfile Config, loaded once at startup
     */
    @Produces
    public BankDirectory directory() {
        return directory;
    }
}
