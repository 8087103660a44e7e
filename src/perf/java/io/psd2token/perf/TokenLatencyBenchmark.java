package io.psd2token.perf;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.internal.token.ClientCredentialsGrant;
import io.psd2token.internal.token.Resilience;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenTimer;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.TestPki;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * P4: a token over mutual TLS through the library ({@link TokenManager} on {@link JdkBankHttp}, the production
 * code path outside WildFly) against a bare JDK {@link HttpClient} POST of the same form with the same TLS setup, to
 * the test bank simulator, which checks the client certificate. The SSL context is built from the test PKI's
 * key stores once; what stands in for Elytron's lookup is a function returning it.
 *
 * <ul>
 *   <li><b>cold</b> ({@code SingleShotTime}): a new SSL context (so an empty TLS session cache: a full
 *       handshake), a new token manager and HTTP client per invocation; timed: client creation, TCP connect, full
 *       TLS 1.3 handshake with the client certificate, POST, answer, and for the library the parse and the
 *       cache's bookkeeping. The manager's executors and JSON-B exist already, as on a server.</li>
 *   <li><b>refresh</b> ({@code SampleTime}): the same manager and client again and again. The library's call is
 *       {@code invalidate(bank)} then {@code token(bkcode)}: one blocking request, the one a refresh sends.
 *       "new connection": the simulator closes each token connection, as a bank's front end would between refreshes
 *       an hour apart, so each request connects anew and resumes the TLS session. "pooled": the bank keeps the
 *       connection ({@link BankSimulator#setKeepsTokenConnections}), so the request goes on a pooled one.</li>
 * </ul>
 *
 * <p>Every request is counted, and the trial fails unless the simulator saw exactly as many: no figure hides a
 * second request or a cache hit.
 */
@State(Scope.Benchmark)
// The simulator is the JDK's HttpServer, which writes an answer's headers and body in two packets: without
// TCP_NODELAY, Nagle holds the second until the client's delayed ACK, 40 ms on Linux loopback, in every answer.
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Dsun.net.httpserver.nodelay=true"})
public class TokenLatencyBenchmark {

    static final String BANK = "13807";
    static final String POOLED_BANK = "17515";
    private static final io.psd2token.bank.Scope PISP = io.psd2token.bank.Scope.PISP;
    /** A token response of the simulator's shape, for the diagnoses that answer without a bank. */
    static final String CANNED_ANSWER = "{\"access_token\":\"" + "x".repeat(43) + "\",\"token_type\":\"Bearer\","
            + "\"expires_in\":\"3600\",\"scope\":\"pisp\"}";

    private Path dir;
    private TestPki pki;
    private BankSimulator simulator;
    private KeyManager[] keys;
    private TrustManager[] trust;
    private ExecutorService executor;
    private ScheduledExecutorService timer;
    private Jsonb jsonb;
    private String form;
    private final AtomicLong requests = new AtomicLong();

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("psd2-perf-pki");
        pki = TestPki.generate(dir);
        simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki).withBankCodes(BANK, POOLED_BANK));
        simulator.setKeepsTokenConnections(POOLED_BANK, true);
        char[] password = pki.password().toCharArray();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(pki.qwacKeyStore(), password), password);
        keys = kmf.getKeyManagers();
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(pki.clientTrustStore(), password));
        trust = tmf.getTrustManagers();
        executor = Executors.newCachedThreadPool(daemon("token-io"));
        timer = Executors.newScheduledThreadPool(1, daemon("token-timer"));
        jsonb = JsonbBuilder.create();
        form = new ClientCredentialsGrant(pki.clientId(), PISP).formBody();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        long seen = simulator.tokenRequests(BANK) + simulator.tokenRequests(POOLED_BANK);
        simulator.close();
        executor.shutdownNow();
        timer.shutdownNow();
        jsonb.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        if (seen != requests.get()) {
            throw new IllegalStateException("the simulator saw " + seen + " token requests, the benchmark sent "
                    + requests.get());
        }
    }

    /** A context with the QWAC and the bank CA, and a session cache of its own (empty: a full handshake). */
    SSLContext freshContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The token manager as the deployment builds it, on the production HTTP seam, for one SSL context. */
    TokenManager manager(SSLContext context) {
        return manager(http(context));
    }

    /** The production HTTP seam with the deployment's default timeouts, for one SSL context. */
    JdkBankHttp http(SSLContext context) {
        return new JdkBankHttp(uri -> context, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2),
                executor);
    }

    /** The library's token POST through its HTTP seam alone, no token manager; the body as a string. */
    String seamPost(JdkBankHttp http, String bank) {
        requests.incrementAndGet();
        io.psd2token.internal.http.HttpReply reply = http.postForm(simulator.tokenEndpoint(bank), form).join();
        if (reply.status() != 200) {
            throw new IllegalStateException("token endpoint answered " + reply.status());
        }
        return reply.body();
    }

    /** The same on another HTTP seam. */
    TokenManager manager(io.psd2token.internal.http.BankHttp http) {
        return TokenManager.builder()
                .banks(bank -> new BankEndpoints(bank, simulator.tokenEndpoint(bank.value()),
                        URI.create(simulator.baseUri() + "/" + bank.value() + "/stet/psd2/v1"),
                        PISP))
                .clientId(pki.clientId()).http(http).jsonb(jsonb).timer(TokenTimer.of(timer)).io(executor)
                .resilience(Resilience.NONE).build();
    }

    /** A client set up as {@link JdkBankHttp} sets up its own. */
    static HttpClient bareClient(SSLContext context) {
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The same POST the library sends; the answer's body as a string, no parsing. */
    String barePost(HttpClient client, String bank) {
        requests.incrementAndGet();
        try {
            HttpResponse<String> response = client.send(tokenRequest(bank), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("token endpoint answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The same with {@code sendAsync(...).join()}, as an asynchronous caller waits. */
    String bareAsyncPost(HttpClient client, String bank) {
        requests.incrementAndGet();
        HttpResponse<String> response = client.sendAsync(tokenRequest(bank), HttpResponse.BodyHandlers.ofString())
                .join();
        if (response.statusCode() != 200) {
            throw new IllegalStateException("token endpoint answered " + response.statusCode());
        }
        return response.body();
    }

    private HttpRequest tokenRequest(String bank) {
        return HttpRequest.newBuilder(simulator.tokenEndpoint(bank))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
                .build();
    }

    String libraryToken(TokenManager manager, String bank) {
        requests.incrementAndGet();
        return manager.token(bank).value();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Cold: everything new per invocation

    /** A new SSL context and token manager for each cold library call. */
    @State(Scope.Thread)
    public static class ColdLibrary {
        TokenManager manager;

        @Setup(Level.Invocation)
        public void make(TokenLatencyBenchmark b) {
            manager = b.manager(b.freshContext());
        }

        @TearDown(Level.Iteration)
        public void collect() {
            // Each invocation leaves an HTTP client behind; its selector thread ends once the client is collected.
            manager = null;
            System.gc();
        }
    }

    /** A new SSL context for each cold bare call; the client is made inside the timed call, as the library's is. */
    @State(Scope.Thread)
    public static class ColdBare {
        SSLContext context;

        @Setup(Level.Invocation)
        public void make(TokenLatencyBenchmark b) {
            context = b.freshContext();
        }

        @TearDown(Level.Iteration)
        public void collect() {
            context = null;
            System.gc();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public String coldLibrary(TokenLatencyBenchmark b, ColdLibrary s) {
        return b.libraryToken(s.manager, BANK);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public String coldBare(TokenLatencyBenchmark b, ColdBare s) {
        return b.barePost(bareClient(s.context), BANK);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Refresh: the same manager or client, warm

    /** One manager per trial, its first token fetched (handshake done, session cached, pooled where kept). */
    @State(Scope.Thread)
    public static class WarmLibrary {
        TokenManager manager;

        @Setup(Level.Trial)
        public void make(TokenLatencyBenchmark b) {
            manager = b.manager(b.freshContext());
            b.libraryToken(manager, BANK);
            b.libraryToken(manager, POOLED_BANK);
        }

        String refresh(TokenLatencyBenchmark b, String bank) {
            manager.invalidate(Bkcode.of(bank));
            return b.libraryToken(manager, bank);
        }
    }

    /** One client per trial, warmed the same way. */
    @State(Scope.Thread)
    public static class WarmBare {
        HttpClient client;

        @Setup(Level.Trial)
        public void make(TokenLatencyBenchmark b) {
            client = bareClient(b.freshContext());
            b.barePost(client, BANK);
            b.barePost(client, POOLED_BANK);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String refreshLibraryNewConnection(TokenLatencyBenchmark b, WarmLibrary s) {
        return s.refresh(b, BANK);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String refreshBareNewConnection(TokenLatencyBenchmark b, WarmBare s) {
        return b.barePost(s.client, BANK);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String refreshLibraryPooled(TokenLatencyBenchmark b, WarmLibrary s) {
        return s.refresh(b, POOLED_BANK);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String refreshBarePooled(TokenLatencyBenchmark b, WarmBare s) {
        return b.barePost(s.client, POOLED_BANK);
    }

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
