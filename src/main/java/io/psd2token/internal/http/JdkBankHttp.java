package io.psd2token.internal.http;

import io.psd2token.error.BankTokenException;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.error.TlsHandshakeException;
import io.psd2token.internal.tls.TlsFailures;
import io.psd2token.internal.tls.TlsProbe;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * {@link BankHttp} on the JDK's {@link HttpClient}: one client per {@link SSLContext}, so every bank host that
 * shares the QWAC also shares a keep-alive connection pool.
 *
 * <p>Asynchronous: no thread waits while a bank takes its time. The SSL context is asked for on every request
 * rather than fixed at construction, so a context replaced on the server (QWAC rotation) is picked up without
 * redeploying.
 *
 * <p>Every exchange completes within the request timeout, body included ({@link HttpRequest#timeout} alone only
 * covers the wait for the response headers, so a bank that sends its body a byte at a time would hold the request
 * for ever), plus at most the diagnosis time when a vague failure is diagnosed; the diagnosis (a bounded extra
 * handshake, see {@link TlsFailures}) runs on the diagnosis executor, never on the HTTP client's threads. The body
 * is bounded in size while it arrives; a larger Content-Length is refused before reading any of it.
 */
public final class JdkBankHttp implements BankHttp {

    /** A token response is a few hundred bytes; a JWT token a few KiB. Anything past this is not a token. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    // A diagnosis needs at least a round trip and the bank's certificate check; less than this tells nothing.
    private static final Duration MIN_DIAGNOSIS = Duration.ofMillis(250);

    private final Function<URI, SSLContext> sslContexts;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration maxDiagnosis;
    private final Executor diagnosis;
    // Keyed by identity: SSLContext does not override equals.
    private final Map<SSLContext, HttpClient> clients = new ConcurrentHashMap<>();

    /**
     * @param sslContexts gives the SSL context for a URI (the server's Elytron configuration in WildFly)
     * @param connectTimeout bound on establishing the TCP connection
     * @param requestTimeout bound on the whole exchange, from sending the request to the last byte of the body
     * @param maxDiagnosis the longest a failed exchange may spend, after the request timeout, finding out whether
     *        TLS was the cause
     * @param diagnosis runs those diagnoses (they block for up to {@code maxDiagnosis})
     */
    public JdkBankHttp(Function<URI, SSLContext> sslContexts, Duration connectTimeout, Duration requestTimeout,
            Duration maxDiagnosis, Executor diagnosis) {
        this.sslContexts = Objects.requireNonNull(sslContexts, "sslContexts");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.maxDiagnosis = Objects.requireNonNull(maxDiagnosis, "maxDiagnosis");
        this.diagnosis = Objects.requireNonNull(diagnosis, "diagnosis");
    }

    /**
     * Forgets the pooled HTTP clients and the TLS sessions of their SSL contexts, so that the next request
     * makes a full handshake: after a QWAC rotation, kept-alive connections and resumed sessions would still
     * carry the old certificate.
     */
    public void reset() {
        clients.keySet().forEach(TlsProbe::forgetSessions);
        clients.clear();
    }

    @Override
    public CompletableFuture<HttpReply> postForm(URI uri, String formBody) {
        SSLContext sslContext;
        try {
            sslContext = sslContexts.apply(uri);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpClient client = clients.computeIfAbsent(sslContext, this::newClient);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(formBody, StandardCharsets.UTF_8))
                .build();
        String host = TlsProbe.hostPort(uri);
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        BoundedBody body = new BoundedBody(host);
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = client.sendAsync(request, body);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // The one bound of the exchange: it covers connecting, the headers and the whole body.
        // A copy carries the bound, so that the exchange itself can still be cancelled (which closes its connection).
        return exchange.copy().orTimeout(requestTimeout.toNanos(), TimeUnit.NANOSECONDS).handle((response, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(new HttpReply(response.statusCode(),
                        response.headers().firstValue("Content-Type").orElse(null),
                        new String(response.body(), StandardCharsets.UTF_8),
                        response.headers().firstValue("Retry-After").orElse(null)));
            }
            abort(exchange, body);
            Throwable cause = unwrap(error);
            if (cause instanceof TimeoutException) {
                return CompletableFuture.<HttpReply>failedFuture(timedOut(host, body));
            }
            if (cause instanceof IOException io && !body.headersArrived()) {
                // May need a bounded extra handshake: never on the HTTP client's own threads.
                return CompletableFuture.<HttpReply>supplyAsync(() -> {
                    throw failure(uri, host, sslContext, body, io, deadline);
                }, diagnosis);
            }
            return CompletableFuture.<HttpReply>failedFuture(failure(uri, host, sslContext, body, cause, deadline));
        }).thenCompose(Function.identity());
    }

    private HttpClient newClient(SSLContext sslContext) {
        return HttpClient.newBuilder()
                .sslContext(sslContext)
                .connectTimeout(connectTimeout)
                // Token endpoints are plain request/response; HTTP/1.1 keeps behaviour identical across banks.
                .version(HttpClient.Version.HTTP_1_1)
                // A token request is never re-sent elsewhere: a redirect is an error to surface, not to follow.
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    private BankUnreachableException timedOut(String host, BoundedBody body) {
        return body.headersArrived()
                ? new BankUnreachableException(host, "the body of the answer did not arrive within the request"
                        + " timeout (psd2.request-timeout, " + requestTimeout.toMillis() + " ms; " + body.received()
                        + " bytes received); the bank is sending too slowly or stalled", null)
                : new BankUnreachableException(host, "no answer within the request timeout"
                        + " (psd2.request-timeout, " + requestTimeout.toMillis() + " ms); the bank is slow or not"
                        + " answering", null);
    }

    /** Turns what ended the exchange into one of the typed errors, diagnosing vague TLS failures. */
    private RuntimeException failure(URI uri, String host, SSLContext sslContext, BoundedBody body, Throwable cause,
            long deadline) {
        if (cause instanceof BankTokenException typed) {
            // Raised by the body bound on the client's thread: rethrown as it is, its message names the host.
            return typed;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        if (!(cause instanceof IOException io)) {
            return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
        RuntimeException classified = classify(host, io);
        if (body.headersArrived()) {
            // The bank answered over TLS: whatever broke afterwards was not the handshake.
            return classified instanceof BankUnreachableException && !isTimeoutOrRefusal(io)
                    ? new BankUnreachableException(host, "the connection broke " + body.received() + " bytes into"
                            + " the body of the answer (" + io.getClass().getSimpleName() + "); the bank or a proxy"
                            + " in between cut it", io)
                    : classified;
        }
        if (TlsFailures.hungUpDuringHandshake(io)) {
            return TlsFailures.diagnoseHangUp(uri, sslContext, io, classified, diagnosisTime(deadline));
        }
        if (classified instanceof BankUnreachableException && !isTimeoutOrRefusal(io)) {
            // The JDK hides some TLS 1.3 failures behind a closed connection: look closer before blaming the network.
            TlsHandshakeException tls = TlsFailures.diagnoseClosedConnection(uri, sslContext, diagnosisTime(deadline));
            if (tls != null) {
                tls.addSuppressed(io);
                return tls;
            }
        }
        return classified;
    }

    /** What is left of the call's time, within [MIN_DIAGNOSIS, maxDiagnosis]: a diagnosis never waits long. */
    private Duration diagnosisTime(long deadline) {
        long left = deadline - System.nanoTime();
        return Duration.ofNanos(Math.max(MIN_DIAGNOSIS.toNanos(), Math.min(maxDiagnosis.toNanos(), left)));
    }

    private static void abort(CompletableFuture<?> exchange, BoundedBody body) {
        // Cancelling the body subscription makes the client close the connection instead of draining it.
        body.abort();
        exchange.cancel(true);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    // A timeout is not diagnosed (the time is spent), nor a refusal (no TLS happened).
    private static boolean isTimeoutOrRefusal(IOException e) {
        return e instanceof HttpTimeoutException || e instanceof InterruptedIOException
                || e instanceof ConnectException;
    }

    // Turns the JDK's IOExceptions into errors that tell the operator which side to look at.
    static RuntimeException classify(String host, IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return new BankUnreachableException(host, "connection not established within the connect timeout"
                    + " (psd2.connect-timeout); check the network path to the bank", e);
        }
        if (e instanceof HttpTimeoutException || e instanceof InterruptedIOException) {
            return new BankUnreachableException(host, "no answer within the request timeout"
                    + " (psd2.request-timeout); the bank is slow or not answering", e);
        }
        if (e instanceof ConnectException && TlsFailures.isReset(e)) {
            return TlsFailures.reset(host, e, false);
        }
        if (e instanceof ConnectException) {
            return new BankUnreachableException(host, "connection refused; check the token endpoint host and port", e);
        }
        SSLException ssl = TlsFailures.sslCause(e);
        if (ssl != null) {
            return TlsFailures.classify(host, ssl);
        }
        return new BankUnreachableException(host, "I/O error before a complete answer (" + e.getClass().getSimpleName()
                + "); if the bank closes connections during the handshake, it may not accept the client certificate", e);
    }
}
