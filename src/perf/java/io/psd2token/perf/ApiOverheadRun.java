package io.psd2token.perf;

import io.psd2token.demo.PaymentRequestsApi;
import io.psd2token.demo.SamplePaymentRequest;
import io.psd2token.perf.app.LoadApplication;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.Testbed;
import io.psd2token.testbed.WildFlyProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * P3: what {@code BankApiClients} adds to a bank API call under load. The testbed (test PKI, bank simulator,
 * WildFly configured by server-config/, as for the demo) serves a small application whose JAX-RS resource sends a
 * payment request to the simulator's payment API over mutual TLS, either through {@code BankApiClients} or through
 * the same MP Rest Client interface with a hard-coded Authorization header ({@code HardCodedClients}).
 *
 * <p>A closed-loop load generator (JDK {@link HttpClient}, HTTP/1.1, {@code load.connections} connections, each
 * sending its next request when the previous answer is in) drives one endpoint at a time, in slices of
 * {@code load.slice-seconds}, in the order library, bare, bare, library, and so on, so that drift in the machine's
 * load falls on both alike: {@code load.warmup-seconds} of warm-up slices, then {@code load.measure-seconds} per
 * endpoint. Before the load it times the deployment's first token inside the server.
 *
 * <p>Start it with {@code mvn -B -Pperf verify -Dperf=api}; WildFly listens on fixed ports (offset
 * {@value #PORT_OFFSET}), so serialise it with other WildFly runs on the machine (e.g. with {@code flock}). Results:
 * {@code target/perf/api-overhead.csv} (per slice), {@code api-overhead.md}.
 */
public final class ApiOverheadRun {

    /** WildFly port offset: HTTP on 8380, management on 10290 (the ITs use 100, the demo 200). */
    static final int PORT_OFFSET = 300;
    static final String WAR = "psd2-load.war";
    static final String BANK = "13807";
    static final String[] SIDES = {"library", "bare"};

    private ApiOverheadRun() {
    }

    /** Starts the testbed and WildFly, runs the load, stops everything. */
    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("load.connections", 8);
        int slice = Integer.getInteger("load.slice-seconds", 5);
        int warmup = Integer.getInteger("load.warmup-seconds", 60);
        int measure = Integer.getInteger("load.measure-seconds", 30);

        try (Machine machine = Machine.sample();
                Testbed testbed = Testbed.start(Testbed.Options.fromSystemProperties(0, false))) {
            Path jbossHome = testbed.options().jbossHome();
            Path deployments = jbossHome.resolve("standalone/deployments");
            for (String marker : new String[] {".deployed", ".failed", ".undeployed"}) {
                Files.deleteIfExists(deployments.resolve(WAR + marker));
            }
            war().as(ZipExporter.class).exportTo(deployments.resolve(WAR).toFile(), true);
            Path console = testbed.options().workDir().resolve("wildfly-console.log");
            try (WildFlyProcess wildfly = WildFlyProcess.start(jbossHome, PORT_OFFSET, console)) {
                wildfly.awaitDeployed(WAR, Duration.ofMinutes(3));
                run(testbed.simulator(), connections, slice, warmup, measure, machine);
            }
        }
    }

    /** The load-test application: its resource and clients, the demo's payment API interface, the library. */
    static WebArchive war() {
        return ShrinkWrap.create(WebArchive.class, WAR)
                .addPackage(LoadApplication.class.getPackage())
                .addClasses(PaymentRequestsApi.class, SamplePaymentRequest.class)
                .addAsLibraries(Deployments.library(), Deployments.bouncyCastle())
                .addAsResource(new StringAsset(""), "META-INF/microprofile-config.properties");
    }

    private static void run(BankSimulator bank, int connections, int slice, int warmup, int measure, Machine machine)
            throws Exception {
        String base = "http://127.0.0.1:" + (8080 + PORT_OFFSET) + "/psd2-load/api/load";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<String> md = new ArrayList<>();

        // The deployment's first token, timed inside the server: the very first call to the application.
        HttpResponse<String> timings = http.send(HttpRequest.newBuilder(URI.create(base + "/token-timings/" + BANK))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (timings.statusCode() != 200) {
            throw new IllegalStateException("token timings: " + timings.statusCode() + " " + timings.body());
        }
        md.add("In-server token timings (ns, first call after deployment): " + timings.body());

        // Which side sends an X-Request-ID today: one call each, counted by the simulator.
        for (String side : SIDES) {
            int before = bank.callsWithoutRequestId(BANK);
            Load.Outcome one = new Load(http, URI.create(base + "/" + side + "/" + BANK)).once();
            if (one.status() != 201) {
                throw new IllegalStateException(side + " endpoint answered " + one.status());
            }
            md.add(side + " client sends X-Request-ID: " + (bank.callsWithoutRequestId(BANK) == before ? "yes" : "no"));
        }
        int paymentsBefore = bank.paymentRequests(BANK);
        int invalidBefore = bank.invalidTokenResponses(BANK);

        List<Load.Slice> slices = new ArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(connections, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
        try {
            int warmSlices = Math.max(2, warmup / slice);
            int measuredSlices = 2 * Math.max(1, measure / slice);
            for (int i = 0; i < warmSlices + measuredSlices; i++) {
                // library, bare, bare, library, ...: each pair of pairs is balanced in time.
                String side = SIDES[(i % 4 == 0 || i % 4 == 3) ? 0 : 1];
                Load load = new Load(http, URI.create(base + "/" + side + "/" + BANK));
                Load.Slice s = load.slice(workers, connections, Duration.ofSeconds(slice), side, i, i >= warmSlices);
                System.out.println(s.summary());
                slices.add(s);
            }
        } finally {
            workers.shutdownNow();
        }
        long sent = slices.stream().mapToLong(s -> s.latencies().length + s.errors()).sum();
        int arrived = bank.paymentRequests(BANK) - paymentsBefore;
        int invalid = bank.invalidTokenResponses(BANK) - invalidBefore;

        List<String> csv = new ArrayList<>(List.of("side,slice,measured,seconds,requests,errors,p50_us,p90_us,"
                + "p99_us,p999_us,max_us"));
        slices.forEach(s -> csv.add(s.csv()));
        md.add("");
        md.add("| client | requests/s | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | requests | errors |"
                + " requests/s per slice (min–max) |");
        md.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        double[] throughput = new double[2];
        double[] p50 = new double[2];
        for (int k = 0; k < 2; k++) {
            String side = SIDES[k];
            List<Load.Slice> mine = slices.stream().filter(s -> s.measured() && s.side().equals(side)).toList();
            long[] all = mine.stream().flatMapToLong(s -> Arrays.stream(s.latencies())).sorted().toArray();
            double seconds = mine.stream().mapToDouble(Load.Slice::seconds).sum();
            long errors = mine.stream().mapToLong(Load.Slice::errors).sum();
            throughput[k] = all.length / seconds;
            p50[k] = Load.percentile(all, 50) / 1e6;
            double min = mine.stream().mapToDouble(Load.Slice::throughput).min().orElse(0);
            double max = mine.stream().mapToDouble(Load.Slice::throughput).max().orElse(0);
            md.add(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %,d | %d | %.0f–%.0f |",
                    side.equals("library") ? "`BankApiClients`" : "hard-coded header", throughput[k], p50[k],
                    Load.percentile(all, 90) / 1e6, Load.percentile(all, 99) / 1e6, Load.percentile(all, 99.9) / 1e6,
                    all[all.length - 1] / 1e6, all.length, errors, min, max));
            csv.add(String.format(Locale.ROOT, "%s,all,true,%.3f,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f", side, seconds,
                    all.length, errors, Load.percentile(all, 50) / 1e3, Load.percentile(all, 90) / 1e3,
                    Load.percentile(all, 99) / 1e3, Load.percentile(all, 99.9) / 1e3, all[all.length - 1] / 1e3));
        }
        md.add("");
        md.add(String.format(Locale.ROOT, "Library against hard-coded: throughput %+.1f %%, p50 latency %+.1f %%"
                + " (the goal allows -5 %% and +5 %%).", 100 * (throughput[0] - throughput[1]) / throughput[1],
                100 * (p50[0] - p50[1]) / p50[1]));
        md.add("Library ÷ hard-coded throughput per block of four measured slices (library, bare, bare, library),"
                + " the spread that machine noise leaves in the ratio: " + blockRatios(slices) + ".");
        md.add(String.format(Locale.ROOT, "%d connections, %d s slices, %d s per client measured after %d s of"
                + " warm-up; the simulator saw %,d payment requests for %,d sent (incl. warm-up), %d answered 403"
                + " Invalid token.", connections, slice, measure, Math.max(2, warmup / slice) * slice, arrived, sent,
                invalid));
        md.add(machine.line());
        Files.write(Machine.out("api-overhead.csv"), csv);
        Files.write(Machine.out("api-overhead.md"), md);
        md.forEach(System.out::println);
        if (arrived != sent || invalid != 0) {
            throw new IllegalStateException("the bank saw " + arrived + " payment requests for " + sent + " sent, "
                    + invalid + " with an invalid token");
        }
    }

    private static String blockRatios(List<Load.Slice> slices) {
        List<Load.Slice> measured = slices.stream().filter(Load.Slice::measured).toList();
        List<String> ratios = new ArrayList<>();
        for (int i = 0; i + 4 <= measured.size(); i += 4) {
            double library = 0;
            double bare = 0;
            for (Load.Slice s : measured.subList(i, i + 4)) {
                if (s.side().equals("library")) {
                    library += s.latencies().length / s.seconds();
                } else {
                    bare += s.latencies().length / s.seconds();
                }
            }
            ratios.add(String.format(Locale.ROOT, "%.2f", library / bare));
        }
        return String.join(", ", ratios);
    }

    /** Closed-loop load on one endpoint. */
    record Load(HttpClient http, URI uri) {

        record Outcome(int status, long nanos) {
        }

        /** One slice of one endpoint: the latencies of successful calls, in ns. */
        record Slice(String side, int index, boolean measured, double seconds, long[] latencies, long errors) {

            double throughput() {
                return latencies.length / seconds;
            }

            String summary() {
                long[] sorted = latencies.clone();
                Arrays.sort(sorted);
                return String.format(Locale.ROOT, "%-8s %s %6.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  load %.2f",
                        side, measured ? "measured" : "warm-up ", throughput(), percentile(sorted, 50) / 1e6,
                        percentile(sorted, 99) / 1e6, errors, Machine.loadAverage());
            }

            String csv() {
                long[] sorted = latencies.clone();
                Arrays.sort(sorted);
                return String.format(Locale.ROOT, "%s,%d,%s,%.3f,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f", side, index,
                        measured, seconds, sorted.length, errors, percentile(sorted, 50) / 1e3,
                        percentile(sorted, 90) / 1e3, percentile(sorted, 99) / 1e3, percentile(sorted, 99.9) / 1e3,
                        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e3);
            }
        }

        Outcome once() {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            long start = System.nanoTime();
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                return new Outcome(status, System.nanoTime() - start);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        Slice slice(ExecutorService workers, int connections, Duration length, String side, int index, boolean measured)
                throws Exception {
            long start = System.nanoTime();
            long end = start + length.toNanos();
            List<Future<long[]>> futures = new ArrayList<>();
            long[] errors = new long[connections];
            for (int c = 0; c < connections; c++) {
                int me = c;
                futures.add(workers.submit(() -> {
                    long[] latencies = new long[4096];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        Outcome o = once();
                        if (o.status() != 201) {
                            errors[me]++;
                            continue;
                        }
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = o.nanos();
                    }
                    return Arrays.copyOf(latencies, n);
                }));
            }
            List<long[]> parts = new ArrayList<>();
            for (Future<long[]> f : futures) {
                parts.add(f.get());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
            return new Slice(side, index, measured, seconds, all, Arrays.stream(errors).sum());
        }

        /** The nearest-rank percentile of sorted values. */
        static double percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p / 100 * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }
    }
}
