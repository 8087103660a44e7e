package io.psd2token.testbed;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;

/**
 * The main job: starts the bank simulator, configures a stock WildFly with server-config/, deploys the demo
 * PISP application, checks that a payment request goes through, and prints the curl lines to try.
 *
 * <p>Run with {@code mvn -Pdemo verify}; stops (WildFly and simulator) on Ctrl+C. With
 * {@code -Dpsd2.demo.exit=true} it stops right after the check, with a non-zero exit if the check failed.
 */
public final class DemoLauncher {

    /** WildFly port offset: HTTP on 8280, management on 10190. */
    static final int PORT_OFFSET = 200;
    static final String WAR = "psd2-demo.war";

    private DemoLauncher() {
    }

    /** Starts everything; see the class comment. */
    public static void main(String[] args) throws Exception {
        boolean exitAfterCheck = Boolean.getBoolean("psd2.demo.exit");
        Testbed testbed = Testbed.start(Testbed.Options.fromSystemProperties(0, false));
        Path jbossHome = testbed.options().jbossHome();
        Path deployments = jbossHome.resolve("standalone/deployments");
        Files.deleteIfExists(deployments.resolve(WAR + ".deployed"));
        Files.deleteIfExists(deployments.resolve(WAR + ".failed"));
        Deployments.demoWar("psd2-demo", Map.of()).as(ZipExporter.class).exportTo(deployments.resolve(WAR).toFile(), true);

        Path console = testbed.options().workDir().resolve("wildfly-console.log");
        WildFlyProcess wildfly = WildFlyProcess.start(jbossHome, PORT_OFFSET, console);
        Thread stopper = new Thread(() -> {
            wildfly.close();
            testbed.close();
        }, "psd2-demo-stop");
        Runtime.getRuntime().addShutdownHook(stopper);

        String base = "http://127.0.0.1:" + (8080 + PORT_OFFSET) + "/psd2-demo";
        boolean ok;
        try {
            wildfly.awaitDeployed(WAR, Duration.ofMinutes(3));
            ok = check(base);
        } catch (RuntimeException e) {
            System.out.println("Demo failed to start: " + e.getMessage());
            ok = false;
        }
        printUsage(base, testbed, ok, exitAfterCheck);
        if (exitAfterCheck || !ok) {
            Runtime.getRuntime().removeShutdownHook(stopper);
            stopper.run();
            System.exit(ok ? 0 : 1);
        }
        wildfly.await();
    }

    // Does what the printed curl lines do, so a broken setup is reported before anyone types them.
    private static boolean check(String base) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> banks = http.send(HttpRequest.newBuilder(URI.create(base + "/api/banks")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> payment = http.send(HttpRequest.newBuilder(URI.create(base
                + "/api/banks/13807/payment-requests")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println();
        System.out.println("GET  /api/banks                        -> " + banks.statusCode() + " " + banks.body());
        System.out.println("POST /api/banks/13807/payment-requests -> " + payment.statusCode() + " " + payment.body());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + (9990 + PORT_OFFSET) + "/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        String requests = metrics.body().lines().filter(l -> l.startsWith("psd2_token_requests_total"))
                .findFirst().orElse("(no psd2_token_requests_total)");
        System.out.println("GET  :" + (9990 + PORT_OFFSET) + "/prometheus                -> " + metrics.statusCode()
                + " " + requests);
        return banks.statusCode() == 200 && payment.statusCode() == 201 && metrics.statusCode() == 200
                && requests.startsWith("psd2_token_requests_total{");
    }

    private static void printUsage(String base, Testbed testbed, boolean ok, boolean exiting) {
        System.out.println();
        System.out.println(ok ? "psd2-token demo is up." : "psd2-token demo check FAILED; see the logs below.");
        System.out.println("  WildFly log:      " + testbed.options().jbossHome().resolve("standalone/log/server.log"));
        System.out.println("  Bank simulator:   https://localhost:" + testbed.simulator().port()
                + "/{bkcode}/stet/psd2/... (mutual TLS, banks 13807 and 17515)");
        System.out.println("  Server settings:  " + testbed.serverProperties());
        System.out.println();
        System.out.println("Open " + base + "/ in a browser");
        System.out.println();
        System.out.println("Try:");
        System.out.println("  curl -s " + base + "/api/banks");
        System.out.println("  curl -s " + base + "/api/banks/13807/token");
        System.out.println("  curl -s -X POST " + base + "/api/banks/13807/payment-requests");
        System.out.println("  curl -s -X POST " + base + "/api/banks/17515/payment-requests");
        System.out.println("  curl -s -X DELETE " + base + "/api/banks/13807/token   # forget the cached token");
        System.out.println("  curl -s http://127.0.0.1:" + (9990 + PORT_OFFSET) + "/prometheus | grep '^psd2_'"
                + "   # metrics");
        System.out.println();
        System.out.println(exiting || !ok ? "Stopping WildFly and the simulator."
                : "Press Ctrl+C to stop WildFly and the simulator.");
    }
}
