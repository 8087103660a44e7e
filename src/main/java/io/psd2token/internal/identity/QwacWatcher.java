package io.psd2token.internal.identity;

import io.psd2token.error.BankTokenException;
import io.psd2token.error.ClientIdMismatchException;
import io.psd2token.error.ConfigurationException;
import io.psd2token.error.PresentedCertificateException;
import io.psd2token.identity.TppIdentity;
import io.psd2token.internal.tls.TlsProbe;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * Knows which QWAC the server presents, and notices when that changes.
 *
 * <p>The identity is read with one handshake with the probe bank ({@link PresentedCertificate}), at start and
 * then every check interval. The first successful read, whether at start or later (the probe bank was down at
 * start), decides the client_id and checks a configured one against the QWAC, exactly as at start; a later read
 * that finds another certificate is a <em>rotation</em>: {@link Listener#rotated} drops what the old one obtained.
 *
 * <p>Thread-safe: the identity and client_id are replaced together, read without locks; checks run one at a time.
 */
public final class QwacWatcher {

    private static final Logger LOG = Logger.getLogger(QwacWatcher.class.getName());

    /** Told when the presented QWAC changed. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param before the identity read before
         * @param now the identity now presented
         */
        void rotated(TppIdentity before, TppIdentity now);
    }

    private final URI probe;
    private final Function<URI, SSLContext> sslContexts;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final Optional<String> configuredClientId;
    private final boolean linked;
    private final Listener listener;
    private final Clock clock;
    private volatile State state;

    /** What is known now: replaced as a whole. */
    private record State(TppIdentity identity, String clientId, BankTokenException refusal) {
    }

    /**
     * @param probe the probe bank's token endpoint, or {@code null} when no handshake may be made
     *        ({@code psd2.identity.probe-bank=none}); then {@code configuredClientId} is required
     * @param sslContexts the SSL context for a URI (Elytron's)
     * @param connectTimeout bound on the TCP connection of a read
     * @param timeout bound on a whole read
     * @param configuredClientId {@code psd2.client-id}, if set
     * @param linked {@code psd2.client-id-linked}
     * @param listener told of rotations
     * @param clock for the expiry warning
     * @throws ConfigurationException when there is neither a probe nor a configured client id
     */
    public QwacWatcher(URI probe, Function<URI, SSLContext> sslContexts, Duration connectTimeout, Duration timeout,
            Optional<String> configuredClientId, boolean linked, Listener listener, Clock clock) {
        this.probe = probe;
        this.sslContexts = Objects.requireNonNull(sslContexts, "sslContexts");
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
        this.configuredClientId = configuredClientId;
        this.linked = linked;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = clock;
        if (probe == null && configuredClientId.isEmpty()) {
            throw new ConfigurationException("psd2.identity.probe-bank=none needs psd2.client-id: without the"
                    + " start-up handshake nothing tells the client_id; set psd2.client-id to the QWAC's"
                    + " organizationIdentifier, or name a probe bank");
        }
        this.state = new State(null, configuredClientId.orElse(null), null);
    }

    /**
     * Reads the QWAC for the first time; a bank that cannot be reached is not fatal when a client id is configured
     * (it is used meanwhile) or will be read by a later {@link #check()}.
     *
     * @return the identity, or empty when the probe bank could not be reached (or there is no probe)
     * @throws BankTokenException when the certificate is unusable or differs from the configured client id
     */
    public Optional<TppIdentity> readAtStart() {
        if (probe == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(firstRead(read()));
        } catch (PresentedCertificateException e) {
            if (e.reason() != PresentedCertificateException.Reason.UNREACHABLE) {
                throw e;
            }
            LOG.warning(e.getMessage() + "; " + (configuredClientId.isPresent()
                    ? "using the configured psd2.client-id meanwhile"
                    : "token requests fail until the QWAC is read (tried again by the periodic check)"));
            return Optional.empty();
        }
    }

    /**
     * Reads the QWAC now: a first read decides the client id, a changed certificate is a rotation.
     *
     * @return the identity now presented, or empty when there is no probe bank
     * @throws BankTokenException when the certificate cannot be read
     */
    public synchronized Optional<TppIdentity> check() {
        if (probe == null) {
            return Optional.empty();
        }
        PresentedCertificate presented = read();
        State before = state;
        if (before.identity() == null) {
            return Optional.of(firstRead(presented));
        }
        TppIdentity now = TppIdentity.of(presented.certificate());
        if (!before.identity().sha256Fingerprint().equals(now.sha256Fingerprint())) {
            state = new State(now, before.clientId(), before.refusal());
            LOG.info("QWAC changed; cached tokens, pooled connections and TLS sessions dropped. Now: " + now);
            if (!before.identity().organizationIdentifier().equals(now.organizationIdentifier())) {
                LOG.severe("the new QWAC has another organizationIdentifier (" + now.organizationIdentifier().value()
                        + " instead of " + before.identity().organizationIdentifier().value() + "): redeploy the"
                        + " application so that the client_id follows");
            }
            listener.rotated(before.identity(), now);
        }
        return Optional.of(now);
    }

    /**
     * How long until the next check: the interval, or sooner while the QWAC has never been read.
     *
     * @param interval the configured check interval
     * @return the delay before the next check
     */
    public Duration nextCheckIn(Duration interval) {
        Duration unread = Duration.ofSeconds(30);
        return state.identity() == null && probe != null && unread.compareTo(interval) < 0 ? unread : interval;
    }

    /** @return the identity last read, or empty when it has not been read */
    public Optional<TppIdentity> identity() {
        return Optional.ofNullable(state.identity());
    }

    /**
     * The client_id to send.
     *
     * @return the configured or derived client id
     * @throws BankTokenException when the client id is refused (mismatch) or not known yet
     */
    public String clientId() {
        State s = state;
        if (s.refusal() != null) {
            throw s.refusal().replay();
        }
        if (s.clientId() == null) {
            throw new ConfigurationException("the client_id is not known yet: the QWAC could not be read from the"
                    + " probe bank (" + TlsProbe.hostPort(probe) + ") and psd2.client-id is not set; set it to the"
                    + " QWAC's organizationIdentifier, or check that the probe bank is reachable");
        }
        return s.clientId();
    }

    /** @return the probe bank's endpoint, or {@code null} when there is none */
    public URI probe() {
        return probe;
    }

    private PresentedCertificate read() {
        SSLContext context = sslContexts.apply(probe);
        // A resumed session would not show (nor present) a new certificate: force a full handshake.
        TlsProbe.forgetSessions(context);
        return PresentedCertificate.fetch(probe, context, connectTimeout, timeout, null);
    }

    /** The first read: decides the client id as at start, and is not a rotation. */
    private TppIdentity firstRead(PresentedCertificate presented) {
        TppIdentity identity = TppIdentity.of(presented.certificate());
        LOG.info("PSD2 identity (QWAC presented to " + presented.host() + "): " + identity);
        identity.expiryWarning(clock.instant()).ifPresent(LOG::warning);
        if (presented.refusedAfterHandshake()) {
            LOG.warning(presented.host() + " closed the connection right after receiving the QWAC: it may refuse"
                    + " it (revoked, expired, or not registered with this bank)");
        }
        try {
            state = new State(identity, ClientIds.resolve(identity, configuredClientId, linked), null);
        } catch (ClientIdMismatchException e) {
            state = new State(identity, null, e);
            throw e;
        }
        return identity;
    }
}
