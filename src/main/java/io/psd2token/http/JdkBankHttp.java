package io.psd2token.http;

import io.psd2token.BankTokenException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * {@link BankHttp} on the JDK's {@link HttpClient}: one client per {@link SSLContext}, so every bank host
 * that shares the QWAC also shares a keep-alive connection pool.
 *
 * <p>The SSL context is asked for on every request rather than fixed at construction, so a context
 * replaced on the server (QWAC rotation) is picked up without redeploying.
 *
 * <p>Every call returns or fails within the request timeout, body included ({@link HttpRequest#timeout}
 * alone only covers the wait for the response headers, so a bank that sends its body a byte at a time would
 * hold the caller for ever), plus at most {@link #MAX_DIAGNOSIS} when a vague failure is diagnosed. The body
 * is bounded in size while it arrives; a larger Content-Length is refused before reading any of it.
 */
public final class JdkBankHttp implements BankHttp {

    /** A token response is a few hundred bytes; a JWT token a few KiB. Anything past this is not a token. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    /** The longest a failed call may spend, after the request timeout, finding out whether TLS was the cause. */
    public static final Duration MAX_DIAGNOSIS = Duration.ofSeconds(2);

    // A diagnosis needs at least a round trip and the bank's certificate check; less than this tells nothing.
    private static final Duration MIN_DIAGNOSIS = Duration.ofMillis(250);

    // TLS alerts a server sends when it does not accept the client's certificate (RFC 8446 §6.2).
    private static final List<String> CLIENT_CERTIFICATE_ALERTS = List.of("bad_certificate", "certificate_required",
            "unknown_ca", "access_denied", "certificate_expired", "certificate_revoked", "unsupported_certificate",
            "certificate_unknown");

    private final Function<URI, SSLContext> sslContexts;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    // Keyed by identity: SSLContext does not override equals.
    private final Map<SSLContext, HttpClient> clients = new ConcurrentHashMap<>();

    /**
     * @param sslContexts gives the SSL context for a URI (the server's Elytron configuration in WildFly)
     * @param connectTimeout bound on establishing the TCP connection
     * @param requestTimeout bound on the whole exchange, from sending the request to the last byte of the body
     */
    public JdkBankHttp(Function<URI, SSLContext> sslContexts, Duration connectTimeout, Duration requestTimeout) {
        this.sslContexts = Objects.requireNonNull(sslContexts, "sslContexts");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /**
     * Forgets the pooled HTTP clients and the TLS sessions of their SSL contexts, so that the next request
     * makes a full handshake: after a QWAC rotation, kept-alive connections and resumed sessions would still
     * carry the old certificate.
     */
    public void reset() {
        clients.keySet().forEach(JdkBankHttp::forgetSessions);
        clients.clear();
    }

    /**
     * Invalidates the client sessions an SSL context keeps for resumption.
     *
     * @param sslContext the context whose sessions to forget
     */
    public static void forgetSessions(SSLContext sslContext) {
        javax.net.ssl.SSLSessionContext sessions = sslContext.getClientSessionContext();
        if (sessions == null) {
            return;
        }
        for (byte[] id : java.util.Collections.list(sessions.getIds())) {
            javax.net.ssl.SSLSession session = sessions.getSession(id);
            if (session != null) {
                session.invalidate();
            }
        }
    }

    @Override
    public HttpReply postForm(URI uri, String formBody) {
        SSLContext sslContext = sslContexts.apply(uri);
        HttpClient client = clients.computeIfAbsent(sslContext, this::newClient);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(formBody, StandardCharsets.UTF_8))
                .build();
        String host = uri.getHost() + ":" + port(uri);
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        BoundedBody body = new BoundedBody(host);
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request, body);
        try {
            // The one wait of the call: it covers connecting, the headers and the whole body.
            HttpResponse<byte[]> response = exchange.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
            return new HttpReply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    new String(response.body(), StandardCharsets.UTF_8),
                    response.headers().firstValue("Retry-After").orElse(null));
        } catch (TimeoutException e) {
            abort(exchange, body);
            throw body.headersArrived()
                    ? new BankUnreachableException(host, "the body of the answer did not arrive within the request"
                            + " timeout (psd2.request-timeout, " + requestTimeout.toMillis() + " ms; " + body.received()
                            + " bytes received); the bank is sending too slowly or stalled", null)
                    : new BankUnreachableException(host, "no answer within the request timeout"
                            + " (psd2.request-timeout, " + requestTimeout.toMillis() + " ms); the bank is slow or not"
                            + " answering", null);
        } catch (InterruptedException e) {
            abort(exchange, body);
            Thread.currentThread().interrupt();
            throw new BankUnreachableException(host, "interrupted while waiting for the bank", e);
        } catch (ExecutionException e) {
            abort(exchange, body);
            throw failure(uri, host, sslContext, body, e.getCause(), deadline);
        }
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

    /** Turns what ended the exchange into one of the typed errors, diagnosing vague TLS failures. */
    private RuntimeException failure(URI uri, String host, SSLContext sslContext, BoundedBody body, Throwable thrown,
            long deadline) {
        Throwable cause = unwrap(thrown);
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
        if (hungUpDuringHandshake(io)) {
            return diagnoseHangUp(uri, host, sslContext, io, classified, deadline);
        }
        if (classified instanceof BankUnreachableException && !isTimeoutOrRefusal(io)) {
            // The JDK hides some TLS 1.3 failures behind a closed connection: look closer before blaming the network.
            TlsHandshakeException tls = HandshakeProbe.diagnose(uri, sslContext, diagnosisTime(deadline));
            if (tls != null) {
                tls.addSuppressed(io);
                return tls;
            }
        }
        return classified;
    }

    /**
     * The bank ended the connection before any answer, without a TLS alert: a refused client certificate (it
     * answered our hello, asked for the certificate, then hung up), no common protocol or cipher suite (it hung
     * up on the hello), or the network (a reset before any byte). One repeated handshake tells them apart.
     */
    private static RuntimeException diagnoseHangUp(URI uri, String host, SSLContext sslContext, IOException io,
            RuntimeException classified, long deadline) {
        HandshakeProbe.Handshake probe = HandshakeProbe.repeat(uri, sslContext, diagnosisTime(deadline));
        RuntimeException diagnosed;
        if (probe == null || probe.failure() == null || probe.failure() instanceof SocketTimeoutException) {
            // Cannot tell (no connection, it worked this time, or the bank went quiet): say what was seen.
            diagnosed = isReset(io) ? reset(host, io, false) : classified;
        } else if (probe.bytesFromServer() == 0) {
            diagnosed = isReset(io) || isReset(probe.failure()) ? reset(host, io, true)
                    : new TlsHandshakeException(host, TlsHandshakeException.Side.NEGOTIATION, "the bank closed the"
                            + " connection without answering our TLS ClientHello: it accepts none of the protocol"
                            + " versions or cipher suites offered (check the client-ssl-context protocols and cipher"
                            + " suites against the bank's), or a proxy or firewall in between drops TLS", io);
        } else {
            SSLException ssl = sslCause(probe.failure());
            // The bank answered the hello: an alert this time is precise; another hang-up means our certificate.
            diagnosed = ssl != null && !hungUpDuringHandshake(probe.failure()) ? classifyTls(host, ssl)
                    : clientCertificateHangUp(host, io);
        }
        if (diagnosed != classified && diagnosed.getCause() != io) {
            diagnosed.addSuppressed(io);
        }
        return diagnosed;
    }

    private static BankUnreachableException reset(String host, IOException e, boolean beforeAnyByte) {
        return new BankUnreachableException(host, "the connection was reset (TCP RST) "
                + (beforeAnyByte ? "before the bank sent anything" : "while connecting") + "; a firewall, proxy or"
                + " load balancer in front of the bank, or the bank itself, drops connections from this server:"
                + " check the network path to the bank", e);
    }

    /** What is left of the call's time, within [MIN_DIAGNOSIS, MAX_DIAGNOSIS]: a diagnosis never waits long. */
    private static Duration diagnosisTime(long deadline) {
        long left = deadline - System.nanoTime();
        return Duration.ofNanos(Math.max(MIN_DIAGNOSIS.toNanos(), Math.min(MAX_DIAGNOSIS.toNanos(), left)));
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

    /**
     * The peer closed or reset the connection during the connect or the handshake, without a TLS alert. A reset
     * after the handshake (the request already sent) is not one: that is {@link HandshakeProbe#diagnose}'s case.
     */
    private static boolean hungUpDuringHandshake(IOException e) {
        if (e instanceof ConnectException && isReset(e)) {
            return true;
        }
        SSLException ssl = sslCause(e);
        String m = ssl == null ? "" : String.valueOf(ssl.getMessage()).toLowerCase(Locale.ROOT);
        // The JDK's words for an EOF or a reset during the handshake, on the socket and on the engine path.
        return m.contains("terminated the handshake") || m.contains("closed the channel");
    }

    /** A TCP reset anywhere in the chain: the JDK reports it in a SocketException, ConnectException or SSL error. */
    private static boolean isReset(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketException && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)
                    .contains("connection reset")) {
                return true;
            }
        }
        return false;
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
        if (e instanceof ConnectException && isReset(e)) {
            return reset(host, e, false);
        }
        if (e instanceof ConnectException) {
            return new BankUnreachableException(host, "connection refused; check the token endpoint host and port", e);
        }
        SSLException ssl = sslCause(e);
        if (ssl != null) {
            return classifyTls(host, ssl);
        }
        return new BankUnreachableException(host, "I/O error before a complete answer (" + e.getClass().getSimpleName()
                + "); if the bank closes connections during the handshake, it may not accept the client certificate", e);
    }

    static TlsHandshakeException classifyTls(String host, SSLException ssl) {
        String m = String.valueOf(ssl.getMessage()).toLowerCase(Locale.ROOT);
        // "Received fatal alert" means the bank ended the handshake; anything else was refused on our side.
        boolean bankRefused = m.contains("received fatal alert");
        // The JDK's host name check says "No subject alternative DNS name matching ...", "No subject alternative
        // names matching IP address ..." or, without SANs, "No name matching ...".
        if (!bankRefused && (m.contains("subject alternative") || m.contains("no name matching"))) {
            return new TlsHandshakeException(host, TlsHandshakeException.Side.SERVER_CERTIFICATE,
                    "the bank's server certificate does not cover this host name; check the endpoint URL", ssl);
        }
        if (!bankRefused && (m.contains("pkix") || m.contains("certification path") || m.contains("certificate"))) {
            return new TlsHandshakeException(host, TlsHandshakeException.Side.SERVER_CERTIFICATE,
                    "the bank's server certificate is not trusted; add the bank's CA to the key-store behind the"
                            + " Elytron trust-manager", ssl);
        }
        if (bankRefused && CLIENT_CERTIFICATE_ALERTS.stream().anyMatch(m::contains)) {
            return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                    "the bank refused the client certificate or received none (" + alert(m) + "); check that an"
                            + " Elytron authentication-context match rule selects the QWAC's client-ssl-context"
                            + " for this host and that the QWAC is valid", ssl);
        }
        if (m.contains("terminated the handshake")) {
            return clientCertificateHangUp(host, ssl);
        }
        return new TlsHandshakeException(host, TlsHandshakeException.Side.NEGOTIATION,
                "no agreement on protocol or cipher suite (" + alert(m) + "); check the client-ssl-context"
                        + " protocols and cipher suites", ssl);
    }

    /**
     * The bank hung up mid-handshake without an alert. Banks requiring a client certificate do this when none (or
     * one they cannot use) arrives; a protocol mismatch is the rarer cause, told apart by postForm (the bank then
     * does not answer the hello at all).
     */
    private static TlsHandshakeException clientCertificateHangUp(String host, IOException cause) {
        return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                "the bank ended the handshake without an alert; most often it did not receive a client"
                        + " certificate it accepts: check that an Elytron authentication-context match rule"
                        + " selects the QWAC's client-ssl-context for this host (less often: no common TLS"
                        + " protocol or cipher suite)", cause);
    }

    private static String alert(String message) {
        int i = message.indexOf("alert:");
        String alert = i >= 0 ? message.substring(i + 6).trim() : message;
        return alert.length() > 80 ? alert.substring(0, 80) : alert;
    }

    private static SSLException sslCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException h) {
                return h;
            }
            if (t instanceof SSLException s) {
                return s;
            }
        }
        return null;
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : 443;
    }

    /**
     * Reads the body into memory up to {@link #MAX_BODY_BYTES}, refusing a larger announced Content-Length
     * before reading, and remembers whether the headers arrived (then TLS worked) for the error message.
     */
    private static final class BoundedBody implements HttpResponse.BodyHandler<byte[]> {

        private final String host;
        // Written by the client's thread, read by the caller's on failure.
        private volatile Collector collector;
        private volatile boolean aborted;

        BoundedBody(String host) {
            this.host = host;
        }

        @Override
        public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
            long announced = contentLength(info);
            Collector c = new Collector(host, announced > MAX_BODY_BYTES
                    ? new ResponseTooLargeException(host, MAX_BODY_BYTES, announced) : null);
            collector = c;
            if (aborted) {
                c.abort();
            }
            return c;
        }

        boolean headersArrived() {
            return collector != null;
        }

        long received() {
            Collector c = collector;
            return c == null ? 0 : c.received;
        }

        void abort() {
            aborted = true;
            Collector c = collector;
            if (c != null) {
                c.abort();
            }
        }

        private static long contentLength(HttpResponse.ResponseInfo info) {
            try {
                return info.headers().firstValueAsLong("Content-Length").orElse(-1);
            } catch (NumberFormatException e) {
                // Malformed: the client's own parser decides what to do with it; the byte bound still holds.
                return -1;
            }
        }
    }

    /** Collects one body; Flow guarantees its onNext calls never overlap. */
    private static final class Collector implements HttpResponse.BodySubscriber<byte[]> {

        private final String host;
        private final ResponseTooLargeException refused;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile Flow.Subscription subscription;
        private volatile boolean aborted;
        volatile long received;

        Collector(String host, ResponseTooLargeException refused) {
            this.host = host;
            this.refused = refused;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (refused != null) {
                s.cancel();
                result.completeExceptionally(refused);
            } else if (aborted) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                int n = buffer.remaining();
                if (bytes.size() + (long) n > MAX_BODY_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(new ResponseTooLargeException(host, MAX_BODY_BYTES));
                    return;
                }
                byte[] chunk = new byte[n];
                buffer.get(chunk);
                bytes.write(chunk, 0, n);
                received += n;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        void abort() {
            aborted = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
