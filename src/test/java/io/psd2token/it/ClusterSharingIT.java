package io.psd2token.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.ClusterNodes;
import io.psd2token.testbed.ClusterTest;
import io.psd2token.testbed.ClusterTestbedExtension;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.JGroupsRelay;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.arquillian.container.test.api.ContainerController;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Token sharing on real WildFly nodes (standalone-microprofile-ha.xml): node-1 and node-2 with the application as a
 * WAR and, joining later, node-3 with it as an EAR, each configured by the project's scripts with
 * {@code configure-cluster.cli}'s defaults — TLS on the cluster channel — and every JGroups byte between them
 * passing a recording relay. The bank is the simulator, which counts token requests and rejected API calls.
 *
 * <p>The tests run in order on the same nodes (starting a node is what costs): each leaves the bank's tokens in a
 * known state for the next.
 */
@ClusterTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSharingIT {

    private static final String APP = "psd2-cluster";
    private static final String BANK = "13807";
    private static final String OTHER_BANK = "17515";
    /** Short-lived tokens for the node-loss test: stale 3.2 s after the request, dropped at 6.4 s. */
    private static final Duration SHORT_LIFETIME = Duration.ofSeconds(8);

    private static long coldMicros;
    private static String killed;
    private static String survivor;

    @ArquillianResource
    ContainerController controller;

    @ArquillianResource
    Deployer deployer;

    /** The application's settings: sharing on, and bounds short enough for a test of node loss. */
    static Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("psd2.cluster.cache", "java:jboss/infinispan/cache/psd2/tokens");
        c.put("psd2.request-timeout", "2s");
        c.put("psd2.retry.max-delay", "500ms");
        c.put("psd2.token-wait-timeout", "10s");
        c.put("psd2.failure-backoff", "0");
        return c;
    }

    @Deployment(name = "node-1", managed = false, testable = false)
    @TargetsContainer("node-1")
    static WebArchive onNode1() {
        return Deployments.clusterWar(APP, config(), ClusterProbe.class);
    }

    @Deployment(name = "node-2", managed = false, testable = false)
    @TargetsContainer("node-2")
    static WebArchive onNode2() {
        return Deployments.clusterWar(APP, config(), ClusterProbe.class);
    }

    @Deployment(name = "node-3", managed = false, testable = false)
    @TargetsContainer("node-3")
    static EnterpriseArchive onNode3() {
        return Deployments.clusterEar(APP, config(), ClusterProbe.class);
    }

    private static BankSimulator bank() {
        return ClusterTestbedExtension.testbed().simulator();
    }

    private static ClusterNodes.Node node(String name) {
        return ClusterTestbedExtension.nodes().node(name);
    }

    private static DemoClient app(String name) {
        String context = name.equals("node-3") ? APP + "-web" : APP;
        try {
            return new DemoClient(new URL("http://127.0.0.1:" + node(name).httpPort() + "/" + context + "/"));
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fingerprint(String node, String bank) {
        DemoClient.Reply reply = app(node).get("api/banks/" + bank + "/token");
        assertEquals(200, reply.status(), node + ": " + reply.body());
        return reply.field("fingerprint");
    }

    /** The first (or any) {@code token(bank)} on the node, timed inside the server, in microseconds. */
    private static long timedToken(String node, String bank) {
        DemoClient.Reply reply = app(node).get("api/probe/timed/" + bank);
        assertEquals(200, reply.status(), reply.body());
        return Long.parseLong(reply.body().trim());
    }

    private static String readLog(String node) {
        try {
            return Files.readString(node(node).baseDir().resolve("log/server.log"), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long requestsSentBy(String node, String bank) {
        DemoClient.Reply reply = app(node).get("api/probe/requests/" + bank);
        assertEquals(200, reply.status(), reply.body());
        return Long.parseLong(reply.body().trim());
    }

    /** Forgets the bank's tokens on the given nodes (each also drops the shared entry it sees). */
    private static void forget(String bank, String... nodes) {
        for (String n : nodes) {
            assertEquals(204, app(n).delete("api/banks/" + bank + "/token").status());
        }
    }

    private static void pay(String node, String bank) {
        DemoClient.Reply reply = app(node).post("api/banks/" + bank + "/payment-requests");
        assertEquals(201, reply.status(), node + ": " + reply.body());
    }

    /** Kills the node's JVM outright (SIGKILL: no shutdown, no leaving the cluster), then tells Arquillian. */
    private void crash(String name) {
        String baseDir = "-Djboss.server.base.dir=" + node(name).baseDir();
        java.util.List<ProcessHandle> jvm = ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> java.util.Arrays.asList(a).contains(baseDir)).orElse(false))
                .toList();
        assertEquals(1, jvm.size(), "the JVM of " + name + " among this test's processes");
        jvm.get(0).destroyForcibly();
        jvm.get(0).onExit().join();
        controller.kill(name);
    }

    private void start(String node) {
        controller.start(node);
        deployer.deploy(node);
    }

    @Test
    @Order(1)
    void twoNodesStartSayingTheyShareAndTheFirstTokenIsOneColdRequest() throws Exception {
        start("node-1");
        start("node-2");
        for (String n : new String[] {"node-1", "node-2"}) {
            String log = readLog(n);
            assertTrue(log.contains("psd2-token shares its tokens with the cluster through Infinispan cache"
                    + " java:jboss/infinispan/cache/psd2/tokens"), n + " says which mode runs");
        }
        forget(BANK, "node-1", "node-2");
        int before = bank().tokenRequests(BANK);
        coldMicros = timedToken("node-1", BANK);
        assertEquals(before + 1, bank().tokenRequests(BANK));
        System.out.println("cluster: first token on node-1, a cold request to the bank: " + coldMicros + " µs");
    }

    @Test
    @Order(2)
    void callsSpreadOverBothNodesSendOneTokenRequestPerBankAndScope() {
        forget(BANK, "node-1", "node-2");
        forget(OTHER_BANK, "node-1", "node-2");
        int first = bank().tokenRequests(BANK);
        int second = bank().tokenRequests(OTHER_BANK);
        String[] seen = new String[2];
        for (int i = 0; i < 20; i++) {
            String n = i % 2 == 0 ? "node-1" : "node-2";
            String a = fingerprint(n, BANK);
            String b = fingerprint(n, OTHER_BANK);
            pay(n, OTHER_BANK);
            if (seen[0] == null) {
                seen[0] = a;
                seen[1] = b;
            }
            assertEquals(seen[0], a, "call " + i + " on " + n + ": the one token of " + BANK);
            assertEquals(seen[1], b, "call " + i + " on " + n + ": the one token of " + OTHER_BANK);
        }
        assertEquals(first + 1, bank().tokenRequests(BANK), "one request for two nodes");
        assertEquals(second + 1, bank().tokenRequests(OTHER_BANK), "one request for two nodes");
    }

    @Test
    @Order(3)
    void invalidTokenOnOneNodeMeansOneNewRequestAndTheOtherNodeUsesTheNewToken() throws Exception {
        String old = fingerprint("node-2", OTHER_BANK);
        bank().revokeTokens(OTHER_BANK);
        int requests = bank().tokenRequests(OTHER_BANK);
        int rejected = bank().invalidTokenResponses(OTHER_BANK);
        pay("node-1", OTHER_BANK);
        assertEquals(requests + 1, bank().tokenRequests(OTHER_BANK), "one new request cluster-wide");
        assertEquals(rejected + 1, bank().invalidTokenResponses(OTHER_BANK));
        String renewed = fingerprint("node-1", OTHER_BANK);
        assertNotEquals(old, renewed);
        // node-2 takes the new token at its next comparison with the cluster (every second).
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!renewed.equals(fingerprint("node-2", OTHER_BANK)) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertEquals(renewed, fingerprint("node-2", OTHER_BANK));
        pay("node-2", OTHER_BANK);
        assertEquals(requests + 1, bank().tokenRequests(OTHER_BANK), "node-2 asked nothing");
        assertEquals(rejected + 1, bank().invalidTokenResponses(OTHER_BANK), "node-2 never sent the revoked token");
    }

    @Test
    @Order(4)
    void aBankThatRevokesEarlierTokensSeesNoPingPongWhenTheNodesShare() {
        bank().setRevokesPreviousTokens(BANK, true);
        try {
            forget(BANK, "node-1", "node-2");
            int requests = bank().tokenRequests(BANK);
            int rejected = bank().invalidTokenResponses(BANK);
            for (int i = 0; i < 40; i++) {
                pay(i % 2 == 0 ? "node-1" : "node-2", BANK);
            }
            System.out.println("cluster: revoking bank, 40 payments alternating over 2 sharing nodes: "
                    + (bank().tokenRequests(BANK) - requests) + " token requests, "
                    + (bank().invalidTokenResponses(BANK) - rejected) + " rejected API calls");
            assertEquals(requests + 1, bank().tokenRequests(BANK));
            assertEquals(rejected, bank().invalidTokenResponses(BANK), "not one call rejected");
        } finally {
            bank().setRevokesPreviousTokens(BANK, false);
        }
    }

    @Test
    @Order(5)
    void theClusterChannelIsTlsAndNoTokenTravelsInClear() throws Exception {
        long recorded = 0;
        int connections = 0;
        for (String n : new String[] {"node-1", "node-2"}) {
            // A JGroups connection carries both directions: whichever node opened it, it passed a relay.
            JGroupsRelay relay = node(n).relay();
            recorded += relay.bytes();
            connections += relay.connections();
            for (byte[] opening : relay.openings()) {
                // Every connection starts with a TLS handshake record, from both sides (ClientHello, ServerHello).
                assertEquals(0x16, opening[0] & 0xff, n + ": a connection that is not TLS");
                assertEquals(0x03, opening[1] & 0xff, n + ": a connection that is not TLS");
            }
            String xml = Files.readString(node(n).baseDir().resolve("configuration/standalone-microprofile-ha.xml"),
                    StandardCharsets.UTF_8);
            assertTrue(xml.contains("<ssl-context client=\"psd2-cluster-client\" server=\"psd2-cluster-server\"/>"),
                    n + ": configure-cluster.cli's default");
        }
        assertTrue(connections > 0, "the nodes reached each other through the relays");
        assertTrue(recorded > 10_000, "the replication passed the relays: " + recorded + " bytes");
        int tokens = 0;
        for (String token : bank().issuedTokenValues()) {
            tokens++;
            for (String n : new String[] {"node-1", "node-2"}) {
                assertFalse(node(n).relay().saw(token), "a token crossed the cluster channel in clear towards " + n);
            }
        }
        assertTrue(tokens >= 4, "the nodes shared tokens meanwhile: " + tokens);
        // A plaintext JGroups peer gets no JGroups answer from a node: the handshake is TLS or nothing.
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), node("node-1").jgroupsPort())) {
            raw.setSoTimeout(5000);
            OutputStream out = raw.getOutputStream();
            out.write("bela".getBytes(StandardCharsets.US_ASCII)); // JGroups' TCP connection preamble
            out.write(new byte[] {0x05, 0x05, 0, 0, 0, 0});
            out.flush();
            InputStream in = raw.getInputStream();
            int answer;
            try {
                answer = in.read();
            } catch (SocketTimeoutException | java.net.SocketException e) {
                answer = -1;
            }
            assertTrue(answer == -1 || answer == 0x15, "a plaintext peer got an answer other than a TLS alert: "
                    + answer);
        }
    }

    @Test
    @Order(6)
    void theNodeThatRefreshedDiesMidLifetimeAndTheSurvivorRefreshesInTimeWithoutACallerError() throws Exception {
        bank().setTokenLifetime(SHORT_LIFETIME);
        try {
            forget(BANK, "node-1", "node-2");
            pay("node-1", BANK);
            // Both nodes use the token for several lifetimes: each stale point is a race between them.
            int first = bank().tokenRequests(BANK);
            long before1 = requestsSentBy("node-1", BANK);
            long before2 = requestsSentBy("node-2", BANK);
            Duration both = Duration.ofSeconds(8);
            long bothUntil = System.nanoTime() + both.toNanos();
            for (int i = 0; System.nanoTime() < bothUntil; i++) {
                pay(i % 2 == 0 ? "node-1" : "node-2", BANK);
                Thread.sleep(50);
            }
            int raced = bank().tokenRequests(BANK) - first;
            long byNodes = requestsSentBy("node-1", BANK) - before1 + requestsSentBy("node-2", BANK) - before2;
            System.out.println("cluster: 2 nodes busy for " + both.toSeconds() + " s with " + SHORT_LIFETIME.toSeconds()
                    + " s tokens: " + raced + " refreshes, " + byNodes + " requests sent by the nodes together");
            assertEquals(raced, byNodes, "every refresh was one node's request");
            assertTrue(raced >= 2 && raced <= both.toMillis() / 3200 + 1, "one request per stale point: " + raced);
            long[] sent = {requestsSentBy("node-1", BANK), requestsSentBy("node-2", BANK)};
            int requests = bank().tokenRequests(BANK);
            // Then both go on until one of them refreshes once more: that one dies.
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            int calls = 0;
            while (bank().tokenRequests(BANK) == requests && System.nanoTime() < until) {
                pay(calls++ % 2 == 0 ? "node-1" : "node-2", BANK);
                Thread.sleep(100);
            }
            assertEquals(requests + 1, bank().tokenRequests(BANK), "one refresh for both nodes");
            Thread.sleep(300);
            killed = requestsSentBy("node-1", BANK) > sent[0] ? "node-1" : "node-2";
            survivor = killed.equals("node-1") ? "node-2" : "node-1";
            assertEquals(1, requestsSentBy("node-1", BANK) - sent[0] + requestsSentBy("node-2", BANK) - sent[1]);
            crash(killed);
            System.out.println("cluster: " + killed + " refreshed the token and was killed; " + survivor + " goes on");
            int afterKill = bank().tokenRequests(BANK);
            int rejected = bank().invalidTokenResponses(BANK);
            long start = System.nanoTime();
            Duration run = Duration.ofSeconds(13);
            int served = 0;
            while (System.nanoTime() - start < run.toNanos()) {
                pay(survivor, BANK);
                served++;
                Thread.sleep(100);
            }
            int refreshes = bank().tokenRequests(BANK) - afterKill;
            // A refresh every 3.2 s (the stale point of an 8 s token): at most one per stale interval.
            long staleIntervals = run.toMillis() / 3200 + 1;
            System.out.println("cluster: " + survivor + " alone for " + run.toSeconds() + " s: " + served
                    + " payments, all accepted; " + refreshes + " token requests (at most " + staleIntervals
                    + " stale points)");
            assertTrue(refreshes >= 3, "the survivor refreshed on its own: " + refreshes);
            assertTrue(refreshes <= staleIntervals, "one request per stale point: " + refreshes);
            assertEquals(rejected, bank().invalidTokenResponses(BANK), "no expired token reached the bank");
        } finally {
            bank().setTokenLifetime(Duration.ofHours(1));
        }
    }

    @Test
    @Order(7)
    void aJoiningNodeServesItsFirstTokenFromTheClusterWithoutARequest() {
        forget(BANK, survivor);
        String shared = fingerprint(survivor, BANK);
        int requests = bank().tokenRequests(BANK);
        start("node-3");
        String log = readLog("node-3");
        assertTrue(log.contains("psd2-token shares its tokens with the cluster"), "node-3 says which mode runs");
        long joinMicros = timedToken("node-3", BANK);
        String joined = fingerprint("node-3", BANK);
        System.out.println("cluster: node-3 (the EAR) joined; its first token, from the cluster: " + joinMicros
                + " µs, against " + coldMicros + " µs for the cold request on node-1 (inside the servers)");
        assertEquals(shared, joined);
        assertEquals(requests, bank().tokenRequests(BANK), "no request for the joining node");
        assertEquals(0, requestsSentBy("node-3", BANK));
    }

    @Test
    @Order(8)
    void theNodesStopAndUndeployCleanly() {
        for (String n : new String[] {"node-1", "node-2", "node-3"}) {
            if (!n.equals(killed)) {
                deployer.undeploy(n);
                controller.stop(n);
            }
        }
    }
}
