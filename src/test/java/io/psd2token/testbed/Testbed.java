package io.psd2token.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the integration tests and the demo stand on: a test PKI, the bank simulator, and a stock
 * WildFly configured by the project's own {@code server-config/} scripts (plus, for tests, a few extra TLS
 * routes that present a wrong certificate or none).
 *
 * <p>The WildFly configuration is reset to the distribution's before every start, so runs never depend
 * on what an earlier run left behind.
 */
public final class Testbed implements AutoCloseable {

    /** Banks the simulator serves: the two BPCE banks of the demo, the test-only routes and the isolated banks. */
    public static final List<String> BANKS = Stream.concat(Stream.of("13807", "17515",
            TestBanks.UNTRUSTED_CERTIFICATE, TestBanks.NO_CLIENT_CERTIFICATE, TestBanks.MAC_TOKENS),
            TestBanks.ISOLATED.stream()).toList();

    private final Options options;
    private final TestPki pki;
    private final BankSimulator simulator;
    private final Path serverProperties;

    private Testbed(Options options, TestPki pki, BankSimulator simulator, Path serverProperties) {
        this.options = options;
        this.pki = pki;
        this.simulator = simulator;
        this.serverProperties = serverProperties;
    }

    /**
     * Where things are and what to configure.
     *
     * @param workDir where the PKI, properties and logs go (the build's target/testbed or target/demo)
     * @param jbossHome the unpacked WildFly
     * @param serverConfigDir the project's server-config/ directory
     * @param simulatorPort the simulator's port, 0 for any free one
     * @param testRoutes whether to add the test-only TLS routes (wrong certificate, no certificate)
     */
    public record Options(Path workDir, Path jbossHome, Path serverConfigDir, int simulatorPort, boolean testRoutes) {

        /** Reads the paths from the system properties the build sets ({@code psd2.testbed.dir}, ...). */
        public static Options fromSystemProperties(int simulatorPort, boolean testRoutes) {
            return new Options(path("psd2.testbed.dir"), path("jboss.home"), path("psd2.server-config.dir"),
                    simulatorPort, testRoutes);
        }

        private static Path path(String property) {
            String value = System.getProperty(property);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException("system property " + property + " is not set; run through Maven"
                        + " (mvn verify, or mvn -Pdemo verify)");
            }
            return Path.of(value).toAbsolutePath();
        }
    }

    /** Makes the PKI, starts the simulator and configures WildFly (which must not be running). */
    public static Testbed start(Options options) {
        Testbed testbed = startWithoutServer(options);
        try {
            configureWildFly(options, testbed.serverProperties);
            return testbed;
        } catch (RuntimeException | IOException e) {
            testbed.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        } catch (InterruptedException e) {
            testbed.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while configuring WildFly", e);
        }
    }

    /**
     * Makes the PKI, starts the simulator and writes the properties of the server-config scripts, but configures no
     * server: for tests that configure servers of their own (the cluster nodes, see {@link ClusterNodes}).
     */
    public static Testbed startWithoutServer(Options options) {
        try {
            Files.createDirectories(options.workDir());
            TestPki pki = TestPki.generate(options.workDir().resolve("pki"));
            BankSimulator simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki)
                    .withPort(options.simulatorPort())
                    .withBankCodes(BANKS.toArray(String[]::new)));
            try {
                return new Testbed(options, pki, simulator, writeServerProperties(options, pki, simulator));
            } catch (RuntimeException | IOException e) {
                simulator.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generated PKI. */
    public TestPki pki() {
        return pki;
    }

    /** The running bank simulator. */
    public BankSimulator simulator() {
        return simulator;
    }

    /** The properties file passed to the server-config scripts. */
    public Path serverProperties() {
        return serverProperties;
    }

    /** The options it was started with. */
    public Options options() {
        return options;
    }

    /** Per-bank MicroProfile Config values that route the test banks; empty when test routes are off. */
    public Map<String, String> testBankConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        if (options.testRoutes()) {
            // Tests switch faults on and off and expect the very next call to see the change.
            config.put("psd2.failure-backoff", "0");
            // Bank 99004 is routed to a host without a match rule on purpose: report it, do not fail the start.
            config.put("psd2.startup.tls-check", "warn");
            // The test banks are not BPCE banks: declare them to the bank directory.
            config.put("psd2.banks.extra", String.join(",", TestBanks.UNTRUSTED_CERTIFICATE,
                    TestBanks.NO_CLIENT_CERTIFICATE, TestBanks.MAC_TOKENS, TestBanks.NO_MATCH_RULE));
            int port = simulator.port();
            // 127.0.0.1 is a host the test match rule maps to the untrusted certificate (the server
            // certificate covers it too, so only the client certificate differs).
            config.put("psd2.bank." + TestBanks.UNTRUSTED_CERTIFICATE + ".token-endpoint",
                    "https://127.0.0.1:" + port + "/" + TestBanks.UNTRUSTED_CERTIFICATE + "/stet/psd2/oauth/token");
            // No match rule covers 127.0.0.2: Elytron would hand out the JVM default context.
            config.put("psd2.bank." + TestBanks.NO_MATCH_RULE + ".token-endpoint",
                    "https://127.0.0.2:" + port + "/" + TestBanks.NO_MATCH_RULE + "/stet/psd2/oauth/token");
        }
        return config;
    }

    /**
     * Rotates the QWAC as an operator would, without reload: replaces the key-store file with a new
     * certificate (same organizationIdentifier, new key and serial), then loads the key-store and re-initialises
     * the key-manager through jboss-cli on the running server.
     *
     * @param managementPort the running server's management port
     * @return the new certificate
     */
    public X509Certificate rotateQwac(int managementPort) throws IOException, InterruptedException {
        TestPki.IssuedCertificate renewed = TestPki.issueClientCertificate(
                TestPki.ClientCertificateSpec.qwac(pki.qtspCaCredential()));
        Path written = pki.writeClientKeyStore(renewed, "qwac-renewed.p12");
        Files.move(written, pki.qwacKeyStore(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        new WildFlyCli(options.jbossHome(), options.workDir()).runOnline(managementPort,
                "/subsystem=elytron/key-store=psd2-qwac:load()", "/subsystem=elytron/key-manager=psd2-qwac:init()");
        return renewed.certificate();
    }

    /**
     * Runs one of the project's server-config scripts on the running server and reloads it.
     *
     * @param managementPort the running server's management port
     * @param script the file name in server-config/, e.g. {@code configure-metrics.cli}
     */
    public void applyOnline(int managementPort, String script) throws IOException, InterruptedException {
        new WildFlyCli(options.jbossHome(), options.workDir())
                .applyOnlineAndReload(managementPort, options.serverConfigDir().resolve(script));
    }

    @Override
    public void close() {
        simulator.close();
    }

    private static Path writeServerProperties(Options options, TestPki pki, BankSimulator simulator)
            throws IOException {
        String base = "https://localhost:" + simulator.port() + "/{bkcode}/stet/psd2";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("psd2.credential-store.location", "psd2-credentials.cs");
        p.put("psd2.credential-store.password", pki.password());
        p.put("psd2.qwac.keystore.path", pki.qwacKeyStore().toString());
        p.put("psd2.qwac.keystore.password", pki.password());
        p.put("psd2.trust.keystore.path", pki.clientTrustStore().toString());
        p.put("psd2.trust.keystore.password", pki.password());
        // Empty: the application reads the client_id from the QWAC that Elytron presents (docs/identity.md).
        p.put("psd2.client-id", "");
        p.put("psd2.scope", "pisp");
        p.put("psd2.token-endpoint-template", base + "/oauth/token");
        p.put("psd2.api-base-template", base + "/v1");
        p.put("psd2.simulator.host", "localhost");
        p.put("psd2.simulator.port", Integer.toString(simulator.port()));
        p.put("psd2.test.untrusted.keystore.path", pki.untrustedClientKeyStore().toString());
        TestPki.IssuedCertificate otherTpp = TestPki.issueClientCertificate(TestPki.ClientCertificateSpec
                .qwac(pki.qtspCaCredential()).withOrganizationIdentifier(TestBanks.OTHER_TPP));
        p.put("psd2.test.other-tpp.keystore.path", pki.writeClientKeyStore(otherTpp, "other-tpp.p12").toString());
        StringBuilder text = new StringBuilder("# Generated by the testbed; holds throwaway test passwords only.\n");
        p.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Path file = options.workDir().resolve("server-config.properties");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static void configureWildFly(Options options, Path properties) throws IOException, InterruptedException {
        Path configDir = options.jbossHome().resolve("standalone/configuration");
        Path xml = configDir.resolve("standalone-microprofile.xml");
        Path pristine = configDir.resolve("standalone-microprofile.xml.pristine");
        if (!Files.exists(pristine)) {
            Files.copy(xml, pristine);
        }
        Files.copy(pristine, xml, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(configDir.resolve("psd2-credentials.cs"));
        Files.createDirectories(configDir.resolve("standalone_xml_history"));

        List<Path> scripts = new ArrayList<>();
        scripts.add(options.serverConfigDir().resolve("configure.cli"));
        scripts.add(options.serverConfigDir().resolve("configure-simulator.cli"));
        // The demo's payment service is an EJB; standalone-microprofile.xml has no EJB subsystem.
        scripts.add(options.serverConfigDir().resolve("configure-ejb.cli"));
        if (options.testRoutes()) {
            scripts.add(testRoutesScript(options.workDir()));
        } else {
            // The demo publishes metrics. The test server starts without the micrometer subsystem, so every
            // test covers a server without it; MetricsIT adds it on the running server, as an operator would.
            scripts.add(options.serverConfigDir().resolve("configure-metrics.cli"));
        }
        new WildFlyCli(options.jbossHome(), options.workDir()).applyOffline(properties, scripts);
    }

    private static Path testRoutesScript(Path workDir) throws IOException {
        Path script = workDir.resolve("test-routes.cli");
        try (var in = Objects.requireNonNull(Testbed.class.getResourceAsStream("/testbed/test-routes.cli"),
                "test-routes.cli on the test class path")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }
}
