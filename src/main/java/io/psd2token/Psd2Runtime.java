package io.psd2token;

import io.psd2token.bank.Bank;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.error.BankTokenException;
import io.psd2token.error.ConfigurationException;
import io.psd2token.identity.TppIdentity;
import io.psd2token.internal.config.Psd2Config;
import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.internal.config.Psd2Keys.TlsCheck;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.internal.identity.IdentityGate;
import io.psd2token.internal.identity.PresentedCertificate;
import io.psd2token.internal.identity.QwacWatcher;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenTimer;
import io.psd2token.internal.wildfly.ElytronSslContexts;
import io.psd2token.internal.wildfly.InfinispanSharedTokens;
import io.psd2token.internal.wildfly.ManagedExecutors;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * The start-up wiring of one deployment: reads the configuration, checks everything that can be checked before the
 * first payment (one report of every problem, which fails the deployment), reads the QWAC, and builds the token
 * manager on the server's executors and Elytron's TLS. {@link BankTokens} is its face; this class knows the order
 * in which things must happen, and what must be stopped at undeploy.
 */
final class Psd2Runtime implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Psd2Runtime.class.getName());
    /** The node's name in leases and logs: WildFly's node name ({@code -Djboss.node.name}, else the host name). */
    private static final String NODE = System.getProperty("jboss.node.name", "unnamed node");

    final Psd2Config settings;
    final ElytronSslContexts sslContexts;
    final QwacWatcher watcher;
    final JdkBankHttp http;
    final TokenManager manager;
    private final ManagedExecutors executors;
    private final Jsonb jsonb;

    /**
     * @param source MicroProfile Config lookup
     * @param clock the clock (the application's bean, or the JVM's)
     * @param metrics chooses the metrics binding from {@code psd2.metrics.enabled}; may add a problem
     * @param rotated told when the QWAC changed (fires the CDI event)
     * @throws ConfigurationException listing every problem found
     */
    Psd2Runtime(Function<String, Optional<String>> source, TokenClock clock,
            BiFunction<Boolean, List<String>, TokenMetrics> metrics, Consumer<QwacRotated> rotated) {
        this.settings = new Psd2Config(source);
        this.sslContexts = new ElytronSslContexts();
        List<String> problems = new ArrayList<>(settings.problems());
        List<Bkcode> enabled = settings.directory().all().stream().filter(Bank::enabled).map(Bank::bkcode).toList();
        problems.addAll(tlsProblems(enabled));
        TokenMetrics reporting = metrics.apply(settings.metricsEnabled(), problems);
        QwacWatcher qwac = null;
        try {
            // The listener reaches the manager through this object: it exists before the first rotation can happen.
            qwac = new QwacWatcher(probeEndpoint(), sslContexts::forUri, settings.connectTimeout(),
                    settings.requestTimeout(), settings.clientId(), settings.clientIdLinked(),
                    (before, now) -> onRotation(before, now, rotated), Clock.systemUTC());
            qwac.readAtStart().ifPresent(identity -> problems.addAll(otherQwacs(identity, enabled)));
        } catch (BankTokenException e) {
            problems.add(e.getMessage());
        }
        SharedTokens shared = sharedTokens(problems);
        if (!problems.isEmpty()) {
            // A bad per-bank key shows up in each check that touches the bank: report it once.
            throw ConfigurationException.report(List.copyOf(new LinkedHashSet<>(problems)));
        }
        this.watcher = qwac;
        // Only now: a failed start must not leave threads of ours behind.
        this.executors = new ManagedExecutors();
        this.jsonb = JsonbBuilder.create();
        this.http = new JdkBankHttp(sslContexts::forUri, settings.connectTimeout(), settings.requestTimeout(),
                Psd2Config.MAX_DIAGNOSIS, executors.io());
        this.manager = TokenManager.builder()
                .banks(settings)
                .clientId(watcher::clientId)
                .http(http)
                .jsonb(jsonb)
                .timer(TokenTimer.of(executors.timer()))
                .io(executors.io())
                .clock(clock)
                .policy(settings.tokenPolicy())
                .resilience(settings.resilience())
                .scopes(settings.scopeRules())
                .metrics(reporting)
                .gate(new IdentityGate(watcher, settings.roleCheck()))
                .sharing(shared, () -> watcher.identity().map(TppIdentity::sha256Fingerprint).orElse(null), NODE,
                        settings.clusterSyncInterval())
                .build();
        LOG.info(shared == SharedTokens.LOCAL
                ? "psd2-token keeps its tokens on this node only (psd2.cluster.cache is not set)"
                : "psd2-token shares its tokens with the cluster through " + shared.describe() + "; this node: " + NODE);
        scheduleIdentityCheck(watcher.nextCheckIn(settings.checkInterval()));
        warmUp();
    }

    /**
     * Starts fetching the tokens of {@code psd2.warm-up} in the background: the deployment never waits for a bank,
     * and a bank that is down is logged once and tried again with back-off.
     */
    private void warmUp() {
        List<Psd2Config.WarmToken> warm = settings.warmUp();
        if (warm.isEmpty()) {
            return;
        }
        LOG.info("psd2-token keeps " + warm.size() + " token(s) warm from deployment on: " + warm.stream()
                .map(w -> w.bank().value() + (w.scope() == null ? "" : ":" + w.scope())).toList());
        for (Psd2Config.WarmToken w : warm) {
            manager.keepWarm(w.bank(), w.scope());
        }
    }

    /**
     * The cluster's shared state when {@code psd2.cluster.cache} names it; otherwise none, exactly as on one node.
     * The Infinispan class is only touched here, when the key is set: without it no Infinispan module is needed.
     */
    private SharedTokens sharedTokens(List<String> problems) {
        Optional<String> name = settings.clusterCache();
        if (name.isEmpty()) {
            return SharedTokens.LOCAL;
        }
        try {
            return InfinispanSharedTokens.lookup(name.get());
        } catch (BankTokenException e) {
            problems.add(e.getMessage());
        } catch (LinkageError e) {
            problems.add("psd2.cluster.cache=" + name.get() + ": the Infinispan API is not visible to the application ("
                    + e.getClass().getSimpleName() + "): add the line \"Dependencies: org.infinispan,"
                    + " org.infinispan.commons\" to the WAR's META-INF/MANIFEST.MF, or these two modules to the EAR's"
                    + " META-INF/jboss-deployment-structure.xml (docs/cluster.md)");
        }
        return SharedTokens.LOCAL;
    }

    private URI probeEndpoint() {
        Optional<String> configured = settings.probeBank();
        if (configured.isPresent() && configured.get().equalsIgnoreCase("none")) {
            return null;
        }
        Bkcode probe = configured.map(code -> settings.directory().require(code).bkcode())
                // The bank of BPCE's own example if enabled, else the first enabled bank.
                .or(() -> settings.directory().find(Bkcode.of("13807")).filter(Bank::enabled).map(Bank::bkcode))
                .or(() -> settings.directory().all().stream().filter(Bank::enabled).findFirst().map(Bank::bkcode))
                .orElseThrow(() -> new ConfigurationException("no bank is enabled in the bank directory"));
        return settings.endpoints(probe).tokenEndpoint();
    }

    /**
     * One identity per deployment: the client_id and the role check come from the QWAC presented to the probe bank.
     * A bank routed (Elytron match rules) to another SSL context is looked at with one handshake: a QWAC with
     * another organizationIdentifier there would get the wrong client_id, which fails the start; any other
     * difference (another certificate of the same TPP, no certificate, the bank unreachable) is logged.
     */
    private List<String> otherQwacs(TppIdentity probed, List<Bkcode> banks) {
        List<String> problems = new ArrayList<>();
        // Per SSL context other than the probe bank's, the first bank routed to it.
        Map<SSLContext, Bkcode> contexts = new IdentityHashMap<>();
        SSLContext probeContext = sslContexts.forUri(probeEndpoint());
        for (Bkcode bank : banks) {
            try {
                SSLContext context = sslContexts.forUri(settings.endpoints(bank).tokenEndpoint());
                if (context != probeContext) {
                    contexts.putIfAbsent(context, bank);
                }
            } catch (BankTokenException e) {
                // Reported by the TLS check already.
            }
        }
        contexts.forEach((context, bank) -> {
            try {
                TppIdentity other = TppIdentity.of(PresentedCertificate.fetch(settings.endpoints(bank).tokenEndpoint(),
                        context, settings.connectTimeout(), settings.connectTimeout(), null).certificate());
                if (!other.organizationIdentifier().equals(probed.organizationIdentifier())) {
                    problems.add("bank " + bank + " (and any bank routed like it) is given another QWAC by the"
                            + " Elytron match rules: " + other + ", whereas the client_id comes from the QWAC"
                            + " presented to the probe bank (" + probed.organizationIdentifier().value() + "). One"
                            + " deployment has one TPP identity: route every bank to the same QWAC's"
                            + " client-ssl-context, or deploy one application per QWAC");
                } else if (!other.sha256Fingerprint().equals(probed.sha256Fingerprint())) {
                    LOG.warning("bank " + bank + " is given another certificate of the same TPP (" + other + "); the"
                            + " role check and the QWAC health follow the probe bank's certificate");
                }
            } catch (RuntimeException e) {
                LOG.warning("bank " + bank + " is routed to another SSL context than the probe bank, whose"
                        + " certificate could not be read at start: " + e.getMessage());
            }
        });
        return problems;
    }

    // Every enabled bank's hosts must be covered by an Elytron match rule, or its QWAC would not be presented.
    private List<String> tlsProblems(List<Bkcode> banks) {
        if (settings.tlsCheck() == TlsCheck.OFF) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
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
        if (settings.tlsCheck() == TlsCheck.WARN) {
            problems.forEach(LOG::warning);
            return List.of();
        }
        return problems;
    }

    /** A QWAC rotation: tokens, pooled connections and sessions of the old certificate go; the event follows. */
    private void onRotation(TppIdentity before, TppIdentity now, Consumer<QwacRotated> rotated) {
        http.reset();
        manager.invalidateAll(before.sha256Fingerprint());
        rotated.accept(new QwacRotated(before, now));
    }

    /** The periodic QWAC check: the timer only hands it to the I/O executor, where the handshake runs. */
    private void scheduleIdentityCheck(Duration delay) {
        if (watcher.probe() == null || settings.checkInterval().isZero()) {
            return;
        }
        try {
            executors.timer().schedule(() -> executors.io().execute(() -> {
                try {
                    watcher.check();
                } catch (RuntimeException e) {
                    LOG.fine(() -> "QWAC check failed, tried again later: " + e.getMessage());
                } finally {
                    scheduleIdentityCheck(watcher.nextCheckIn(settings.checkInterval()));
                }
            }), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Undeployed: no more checks.
        }
    }

    @Override
    public void close() {
        executors.close();
        try {
            jsonb.close();
        } catch (Exception e) {
            // Nothing to release that matters at undeploy.
        }
    }
}
