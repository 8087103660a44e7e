package io.psd2token.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client_credentials token endpoint on 127.0.0.1 that every contender talks plain HTTP to: it answers
 * after a fixed delay and counts requests per path, so a benchmark can prove how many tokens were fetched.
 *
 * <p>Each request is answered on its own worker thread (a cached pool), so a burst of a thousand requests
 * all overlap, as they would at a real bank: the endpoint never serialises the contenders' requests and
 * so never hides a missing single-flight.
 */
public final class FakeTokenEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService workers;
    private final long delayMillis;
    private final long expiresInSeconds;
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final AtomicLong issued = new AtomicLong();
    // The span during which requests were in flight since the last reset(), on System.nanoTime().
    private final AtomicLong firstArrivalNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastAnswerNanos = new AtomicLong(Long.MIN_VALUE);

    private FakeTokenEndpoint(long delayMillis, long expiresInSeconds) throws IOException {
        this.delayMillis = delayMillis;
        this.expiresInSeconds = expiresInSeconds;
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-token-endpoint");
            t.setDaemon(true);
            return t;
        });
        // A backlog above the largest burst (1,000 callers), so no connection is refused at a storm.
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.createContext("/", this::answer);
        server.setExecutor(workers);
        server.start();
    }

    /**
     * @param delayMillis how long each answer takes
     * @param expiresInSeconds the {@code expires_in} of every token issued
     */
    public static FakeTokenEndpoint start(long delayMillis, long expiresInSeconds) throws IOException {
        return new FakeTokenEndpoint(delayMillis, expiresInSeconds);
    }

    /** The token URI of one contender: each gets its own path, so counts never mix. */
    public URI tokenUri(String contender) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + contender + "/token");
    }

    /** Requests seen on a contender's path since start. */
    public long requests(String contender) {
        AtomicLong n = requests.get("/" + contender + "/token");
        return n == null ? 0 : n.get();
    }

    /** Forgets the in-flight span, so that {@link #firstArrivalNanos()} describes what comes next. */
    public void resetSpan() {
        firstArrivalNanos.set(Long.MAX_VALUE);
        lastAnswerNanos.set(Long.MIN_VALUE);
    }

    /** When the first request since {@link #resetSpan()} arrived, or {@code Long.MAX_VALUE}. */
    public long firstArrivalNanos() {
        return firstArrivalNanos.get();
    }

    /** When the last answer since {@link #resetSpan()} was sent, or {@code Long.MIN_VALUE}. */
    public long lastAnswerNanos() {
        return lastAnswerNanos.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            long arrived = System.nanoTime();
            firstArrivalNanos.accumulateAndGet(arrived, Math::min);
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (!"POST".equals(exchange.getRequestMethod()) || !form.contains("grant_type=client_credentials")) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            requests.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicLong()).incrementAndGet();
            if (delayMillis > 0) {
                TimeUnit.MILLISECONDS.sleep(delayMillis);
            }
            // RFC 6750 b64token characters only; a new value each time, so a refetch is visible.
            byte[] body = ("{\"access_token\":\"bench-" + issued.incrementAndGet() + "-token\",\"token_type\":\"Bearer\","
                    + "\"expires_in\":" + expiresInSeconds + ",\"scope\":\"pisp\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            lastAnswerNanos.accumulateAndGet(System.nanoTime(), Math::max);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
