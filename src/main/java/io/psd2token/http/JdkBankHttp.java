package io.psd2token.http;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
 */
public final class JdkBankHttp implements BankHttp {

    /** A token response is a few hundred bytes; a JWT token a few KiB. Anything past this is not a token. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

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
     * @param requestTimeout bound on the whole exchange once connected
     */
    public JdkBankHttp(Function<URI, SSLContext> sslContexts, Duration connectTimeout, Duration requestTimeout) {
        this.sslContexts = Objects.requireNonNull(sslContexts, "sslContexts");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
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
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            String body = readBounded(response.body(), host);
            return new HttpReply(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BankUnreachableException(host, "interrupted while waiting for the bank", e);
        } catch (IOException e) {
            RuntimeException classified = classify(host, e);
            if (classified instanceof BankUnreachableException) {
                // The JDK hides some TLS 1.3 failures behind a closed connection: look closer before blaming the network.
                TlsHandshakeException tls = HandshakeProbe.diagnose(uri, sslContext, connectTimeout);
                if (tls != null) {
                    tls.addSuppressed(e);
                    throw tls;
                }
            }
            throw classified;
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

    private static String readBounded(InputStream in, String host) throws IOException {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new ResponseTooLargeException(host, MAX_BODY_BYTES);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
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
        if (!bankRefused && (m.contains("subject alternative name") || m.contains("no name matching"))) {
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
            // The bank hung up mid-handshake without an alert. Banks requiring a client certificate do this when
            // none (or one they cannot use) arrives; a protocol mismatch is the rarer cause.
            return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                    "the bank ended the handshake without an alert; most often it did not receive a client"
                            + " certificate it accepts: check that an Elytron authentication-context match rule"
                            + " selects the QWAC's client-ssl-context for this host (less often: no common TLS"
                            + " protocol or cipher suite)", ssl);
        }
        return new TlsHandshakeException(host, TlsHandshakeException.Side.NEGOTIATION,
                "no agreement on protocol or cipher suite (" + alert(m) + "); check the client-ssl-context"
                        + " protocols and cipher suites", ssl);
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
}
