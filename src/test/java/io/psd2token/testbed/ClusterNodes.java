package io.psd2token.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The WildFly nodes of the cluster tests, under the one unpacked WildFly of the build: each node has a base
 * directory of its own ({@code -Djboss.server.base.dir}), made afresh from the distribution's configuration on
 * every run, and configured offline by the project's own scripts — {@code configure.cli},
 * {@code configure-simulator.cli}, {@code configure-ejb.cli} where the profile lacks EJB, and
 * {@code configure-cluster.cli} with its defaults (TLS on the cluster channel) — plus one test-only line that
 * routes the node's JGroups traffic through a {@link JGroupsRelay}. The nodes themselves are started by
 * Arquillian ({@code arquillian-cluster.xml}, which names the same base directories, offsets and profiles).
 */
public final class ClusterNodes implements AutoCloseable {

    /** One node: name, port offset (ports are the stock ones plus it), profile, base directory, relay. */
    public record Node(String name, int portOffset, String serverConfig, Path baseDir, JGroupsRelay relay) {

        /** @return the node's HTTP port */
        public int httpPort() {
            return 8080 + portOffset;
        }

        /** @return the node's management port */
        public int managementPort() {
            return 9990 + portOffset;
        }

        /** @return the node's own JGroups port (socket binding jgroups-tcp) */
        public int jgroupsPort() {
            return 7600 + portOffset;
        }
    }

    /** The nodes of arquillian-cluster.xml: offsets clear of the single-node suite (100) and the demo (200). */
    public static final List<String> NAMES = List.of("node-1", "node-2", "node-3");
    private static final int[] OFFSETS = {300, 400, 500};
    // standalone-ha.xml is configured by the same scripts (checked offline), but its clustered EJB subsystem did not
    // start the demo's EJB beside nodes without it (jboss.ejb.association never came up): one profile for all.
    private static final String[] PROFILES = {"standalone-microprofile-ha.xml", "standalone-microprofile-ha.xml",
            "standalone-microprofile-ha.xml"};

    private final List<Node> nodes;

    private ClusterNodes(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** The node by name. */
    public Node node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name));
    }

    /** Every node. */
    public List<Node> all() {
        return nodes;
    }

    /**
     * Makes the cluster's PKI (its own CA, one key store per node), one relay per node, and each node's base
     * directory, configured offline (the nodes must not be running).
     *
     * @param testbed the PKI, simulator and script properties of the run
     * @param clusterDir where the base directories go ({@code target/cluster})
     */
    public static ClusterNodes prepare(Testbed testbed, Path clusterDir) {
        List<JGroupsRelay> relays = new ArrayList<>();
        try {
            TestPki pki = testbed.pki();
            TestPki.IssuedCertificate ca = TestPki.createRootCa("CN=psd2-token test cluster CA");
            Path trust = pki.writeTrustStore(ca.certificate(), "cluster-trust.p12");
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < NAMES.size(); i++) {
                JGroupsRelay relay = JGroupsRelay.start(7600 + OFFSETS[i]);
                relays.add(relay);
                nodes.add(new Node(NAMES.get(i), OFFSETS[i], PROFILES[i], clusterDir.resolve(NAMES.get(i)), relay));
            }
            String members = nodes.stream().map(n -> "127.0.0.1[" + n.relay().port() + "]")
                    .collect(Collectors.joining(","));
            Path relayScript = copyResource("/testbed/cluster-relay.cli", clusterDir.resolve("cluster-relay.cli"));
            Path jbossHome = testbed.options().jbossHome();
            ExecutorService parallel = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (Node node : nodes) {
                    Path keyStore = pki.directory().resolve("cluster-" + node.name() + ".p12");
                    TestPki.issueClusterNodeCertificate(ca, node.name()).writePkcs12(keyStore, "node", pki.password());
                    Map<String, String> extra = new LinkedHashMap<>();
                    extra.put("psd2.cluster.initial-hosts", members);
                    extra.put("psd2.cluster.keystore.path", keyStore.toString());
                    extra.put("psd2.cluster.keystore.password", pki.password());
                    extra.put("psd2.cluster.truststore.path", trust.toString());
                    extra.put("psd2.cluster.truststore.password", pki.password());
                    extra.put("psd2.test.jgroups.relay-port", Integer.toString(node.relay().port()));
                    done.add(parallel.submit(() -> {
                        configure(testbed, jbossHome, node, extra, relayScript);
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                parallel.shutdownNow();
            }
            return new ClusterNodes(List.copyOf(nodes));
        } catch (Exception e) {
            relays.forEach(JGroupsRelay::close);
            if (e instanceof java.util.concurrent.ExecutionException x && x.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot prepare the cluster", e);
        }
    }

    private static void configure(Testbed testbed, Path jbossHome, Node node, Map<String, String> extra,
            Path relayScript) throws IOException, InterruptedException {
        Path base = node.baseDir();
        deleteTree(base);
        Path config = Files.createDirectories(base.resolve("configuration"));
        Files.createDirectories(base.resolve("deployments"));
        // The distribution's configuration files, never an earlier run's credential store or history.
        try (Stream<Path> files = Files.list(jbossHome.resolve("standalone/configuration"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".xml") || name.endsWith(".properties")) {
                    Path pristine = f.resolveSibling(name + ".pristine");
                    Files.copy(Files.exists(pristine) ? pristine : f, config.resolve(name),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path properties = base.resolve("server-config.properties");
        StringBuilder text = new StringBuilder(Files.readString(testbed.serverProperties(), StandardCharsets.UTF_8));
        extra.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(properties, text, StandardCharsets.UTF_8);
        Path scripts = testbed.options().serverConfigDir();
        List<Path> run = new ArrayList<>(List.of(scripts.resolve("configure.cli"),
                scripts.resolve("configure-simulator.cli")));
        if (node.serverConfig().contains("microprofile")) {
            // The demo's payment service is an EJB; the MicroProfile profiles have no EJB subsystem.
            run.add(scripts.resolve("configure-ejb.cli"));
        }
        run.add(scripts.resolve("configure-cluster.cli"));
        run.add(relayScript);
        new WildFlyCli(jbossHome, base, node.serverConfig(), base).applyOffline(properties, run);
    }

    @Override
    public void close() {
        nodes.forEach(n -> n.relay().close());
    }

    private static Path copyResource(String resource, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try (InputStream in = Objects.requireNonNull(ClusterNodes.class.getResourceAsStream(resource), resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
