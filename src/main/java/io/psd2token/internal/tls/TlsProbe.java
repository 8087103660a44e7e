package io.psd2token.internal.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.Socket;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * One bare TLS handshake with a bank, bounded in time as a whole, that reports what happened: the one place the
 * library opens a TLS socket itself. Used to read which client certificate an SSL context presents (the QWAC
 * identity), and to find out what the TLS layer did when a request failed vaguely.
 *
 * <p>No HTTP request is sent. Host name verification stays on (the URI's host drives SNI and endpoint
 * identification). The whole probe — connect, handshake and an optional wait for a post-handshake alert — ends
 * when its deadline closes the socket, whatever it is blocked in.
 */
public final class TlsProbe {

    private TlsProbe() {
    }

    /**
     * What one handshake showed. The certificates are read from the handshake as it goes, so they are known even
     * when the bank ends it afterwards (the usual answer to a client certificate it does not want).
     *
     * @param connected whether the TCP connection was made
     * @param finished whether the TLS handshake completed on our side
     * @param bytesFromServer how many bytes the bank sent; zero means it did not answer the ClientHello
     * @param localCertificates the client certificate chain we presented, or {@code null} when none was
     * @param peerCertificates the bank's chain as our trust-manager accepted it, or {@code null} when not reached
     * @param failure how the connection or handshake failed, or {@code null}
     * @param timedOut whether the deadline ended the probe
     * @param closedAfterHandshake whether the bank closed the connection (or sent a fatal alert) right after a
     *        completed handshake: how a TLS 1.3 bank refuses a client certificate; only looked for when asked
     */
    public record Handshake(boolean connected, boolean finished, long bytesFromServer, Certificate[] localCertificates,
            Certificate[] peerCertificates, IOException failure, boolean timedOut, boolean closedAfterHandshake) {

        /** @return true if the TLS handshake completed */
        public boolean completed() {
            return connected && finished && failure == null;
        }

        /** @return true if we presented a client certificate, whatever the bank then did with it */
        public boolean presented() {
            return localCertificates != null && localCertificates.length > 0;
        }
    }

    /**
     * Connects and performs one TLS handshake.
     *
     * @param uri an https URI; only host and port are used
     * @param sslContext the context to handshake with, e.g. the one Elytron selects for this URI
     * @param connectTimeout bound on the TCP connection
     * @param timeout bound on the whole probe, connection included
     * @param alertWait after a completed handshake, how long to read for the bank closing the connection (how a
     *        TLS 1.3 bank refuses a client certificate); zero to skip
     * @return what happened; never throws for a network or TLS failure
     */
    public static Handshake handshake(URI uri, SSLContext sslContext, Duration connectTimeout, Duration timeout,
            Duration alertWait) {
        String host = hostName(uri);
        int port = port(uri);
        Socket plain = new Socket();
        try (Deadline deadline = new Deadline(plain, timeout)) {
            try {
                plain.connect(new InetSocketAddress(host, port), millis(min(connectTimeout, timeout)));
                plain.setSoTimeout(millis(timeout));
            } catch (IOException e) {
                closeQuietly(plain);
                return new Handshake(false, false, 0, null, null, e, deadline.expired(), false);
            }
            EngineHandshake driver = new EngineHandshake(plain, sslContext.createSSLEngine(host, port));
            try {
                driver.handshake();
                boolean closed = !alertWait.isZero() && driver.closedWithin(min(alertWait, timeout), deadline::expired);
                return driver.result(true, null, deadline.expired(), closed);
            } catch (IOException | RuntimeException e) {
                IOException io = e instanceof IOException i ? i : new IOException(e);
                return driver.result(false, deadline.expired() ? null : io, deadline.expired(), false);
            } finally {
                closeQuietly(plain);
            }
        }
    }

    /**
     * Which certificate authorities the bank names when it asks for a client certificate; see
     * {@link RequestedIssuers}.
     *
     * @param uri the bank's URI
     * @param verifiedServerChain the bank's chain as an earlier, verified handshake received it
     * @param timeout bound on the whole probe
     * @return the names the bank listed (empty: it accepts any issuer), or empty when it did not ask for a client
     *         certificate or the probe failed
     */
    public static Optional<List<X500Principal>> requestedIssuers(URI uri, Certificate[] verifiedServerChain,
            Duration timeout) {
        return RequestedIssuers.read(uri, verifiedServerChain, timeout);
    }

    /**
     * Invalidates the client sessions an SSL context keeps for resumption, so that the next handshake is a full one
     * and presents (and shows) the certificate the key-manager holds now.
     *
     * @param sslContext the context whose sessions to forget
     */
    public static void forgetSessions(SSLContext sslContext) {
        javax.net.ssl.SSLSessionContext sessions = sslContext.getClientSessionContext();
        if (sessions == null) {
            return;
        }
        for (byte[] id : java.util.Collections.list(sessions.getIds())) {
            SSLSession session = sessions.getSession(id);
            if (session != null) {
                session.invalidate();
            }
        }
    }

    static String hostName(URI uri) {
        String host = uri.getHost();
        // URI keeps the brackets of an IPv6 literal; sockets want the bare address.
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : 443;
    }

    /**
     * The {@code host:port} of a URI, as messages name it.
     *
     * @param uri an https URI
     * @return e.g. {@code www.13807.live.api.89c3.com:443}
     */
    public static String hostPort(URI uri) {
        return hostName(uri) + ":" + port(uri);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is best effort: the probe's outcome is already decided.
        }
    }

    /**
     * Closes the probe's socket when its time is up, whatever it is blocked in, so that the probe as a whole, not
     * each of its reads, is bounded.
     */
    private static final class Deadline implements AutoCloseable {

        private final AtomicBoolean expired = new AtomicBoolean();
        private final CompletableFuture<Void> alarm;

        Deadline(Socket socket, Duration timeout) {
            // Runs on the JDK's delay thread itself: closing a socket is quick, and no pool is borrowed.
            alarm = CompletableFuture.runAsync(() -> {
                expired.set(true);
                closeQuietly(socket);
            }, CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS, Runnable::run));
        }

        boolean expired() {
            return expired.get();
        }

        @Override
        public void close() {
            alarm.cancel(false);
        }
    }
}
