package io.psd2token.internal.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
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
            Driver driver = new Driver(plain, sslContext.createSSLEngine(host, port));
            try {
                driver.handshake();
                boolean closed = !alertWait.isZero() && driver.closedWithin(min(alertWait, timeout), deadline);
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
     * Drives a client {@link SSLEngine} over a blocking socket, so that what the handshake decided (the bank's
     * chain, our certificate) can be read at every step, also when the bank ends the handshake later.
     */
    private static final class Driver {

        private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

        private final Socket socket;
        private final SSLEngine engine;
        private ByteBuffer netIn;
        private final ByteBuffer netOut;
        private ByteBuffer appIn;
        private long received;
        private Certificate[] local;
        private Certificate[] peer;

        Driver(Socket socket, SSLEngine engine) {
            this.socket = socket;
            this.engine = engine;
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            SSLSession session = engine.getSession();
            this.netIn = ByteBuffer.allocate(session.getPacketBufferSize());
            this.netOut = ByteBuffer.allocate(session.getPacketBufferSize());
            this.appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
        }

        void handshake() throws IOException {
            engine.beginHandshake();
            HandshakeStatus status = engine.getHandshakeStatus();
            try {
                while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
                    status = switch (status) {
                        case NEED_WRAP -> wrap();
                        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrap();
                        case NEED_TASK -> tasks();
                        default -> throw new IllegalStateException(status.name());
                    };
                    remember(engine.getHandshakeSession());
                }
            } catch (SSLException e) {
                remember(engine.getHandshakeSession());
                sendAlert();
                throw e;
            }
            remember(engine.getSession());
        }

        /** After the handshake: does the bank close the connection (or send an alert) within {@code wait}? */
        boolean closedWithin(Duration wait, Deadline deadline) throws IOException {
            long end = System.nanoTime() + wait.toNanos();
            try {
                while (System.nanoTime() < end) {
                    socket.setSoTimeout(millis(Duration.ofNanos(Math.max(1, end - System.nanoTime()))));
                    if (!readMore()) {
                        return !deadline.expired();
                    }
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, appIn);
                    netIn.compact();
                    appIn.clear();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        return true;
                    }
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SSLException e) {
                // A fatal alert after the handshake: the bank refused what it received.
                return true;
            } catch (IOException e) {
                return !deadline.expired();
            }
            return false;
        }

        Handshake result(boolean finished, IOException failure, boolean timedOut, boolean closed) {
            return new Handshake(true, finished, received, local, peer, failure, timedOut, closed);
        }

        private HandshakeStatus wrap() throws IOException {
            netOut.clear();
            SSLEngineResult r = engine.wrap(EMPTY, netOut);
            flush();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLHandshakeException("the engine closed during the handshake");
            }
            return r.getHandshakeStatus();
        }

        private HandshakeStatus unwrap() throws IOException {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            switch (r.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    if (!readMore()) {
                        // The JDK's own words for this case, which the failure classification reads.
                        throw new SSLHandshakeException("Remote host terminated the handshake");
                    }
                    return engine.getHandshakeStatus();
                }
                case BUFFER_OVERFLOW -> {
                    appIn = ByteBuffer.allocate(appIn.capacity() * 2);
                    return engine.getHandshakeStatus();
                }
                case CLOSED -> throw new SSLHandshakeException("Remote host terminated the handshake");
                default -> {
                    return r.getHandshakeStatus();
                }
            }
        }

        private HandshakeStatus tasks() {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
            return engine.getHandshakeStatus();
        }

        /** Reads what the socket has into {@link #netIn}; false at end of stream. */
        private boolean readMore() throws IOException {
            if (!netIn.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
                netIn.flip();
                bigger.put(netIn);
                netIn = bigger;
            }
            int n = socket.getInputStream().read(netIn.array(), netIn.arrayOffset() + netIn.position(),
                    netIn.remaining());
            if (n < 0) {
                return false;
            }
            netIn.position(netIn.position() + n);
            received += n;
            return true;
        }

        private void flush() throws IOException {
            netOut.flip();
            if (netOut.hasRemaining()) {
                socket.getOutputStream().write(netOut.array(), netOut.arrayOffset() + netOut.position(),
                        netOut.remaining());
                socket.getOutputStream().flush();
            }
            netOut.clear();
        }

        /** An engine that failed may hold the alert it means to send: send it, best effort. */
        private void sendAlert() {
            try {
                netOut.clear();
                engine.wrap(EMPTY, netOut);
                flush();
            } catch (IOException | RuntimeException e) {
                // The handshake has failed already; the alert is a courtesy.
            }
        }

        private void remember(SSLSession session) {
            if (session == null) {
                return;
            }
            Certificate[] ours = session.getLocalCertificates();
            if (ours != null) {
                local = ours;
            }
            try {
                peer = session.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                // Not verified yet.
            }
        }
    }

    /**
     * Which certificate authorities the bank names when it asks for a client certificate (the CertificateRequest's
     * list): a key-manager presents only a certificate issued by one of them, so a QWAC from another QTSP is
     * silently not presented. Found with one more handshake in which nothing is presented and the connection is
     * abandoned; the bank's certificate must be exactly {@code verifiedServerChain}, which the server's own
     * trust-manager accepted in a previous handshake (pinned, never trusted blindly).
     *
     * @param uri the bank's URI
     * @param verifiedServerChain the bank's chain as an earlier, verified handshake received it
     * @param timeout bound on the whole probe
     * @return the names the bank listed (empty: it accepts any issuer), or empty when it did not ask for a client
     *         certificate or the probe failed
     */
    public static Optional<List<X500Principal>> requestedIssuers(URI uri, Certificate[] verifiedServerChain,
            Duration timeout) {
        if (verifiedServerChain == null || verifiedServerChain.length == 0) {
            return Optional.empty();
        }
        RecordingKeyManager keys = new RecordingKeyManager();
        try {
            SSLContext probe = SSLContext.getInstance("TLS");
            probe.init(new javax.net.ssl.KeyManager[] {keys},
                    new javax.net.ssl.TrustManager[] {new PinnedTrustManager(verifiedServerChain[0])},
                    new SecureRandom());
            handshake(uri, probe, timeout, timeout, Duration.ZERO);
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(keys.issuers);
    }

    /** Presents nothing; remembers which issuers the server asked for. */
    private static final class RecordingKeyManager extends X509ExtendedKeyManager {

        volatile List<X500Principal> issuers;

        private String record(Principal[] asked) {
            if (issuers == null) {
                issuers = asked == null ? List.of() : Arrays.stream(asked)
                        .map(p -> p instanceof X500Principal x ? x : new X500Principal(p.getName())).toList();
            }
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] asked, Socket socket) {
            return record(asked);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] asked, SSLEngine engine) {
            return record(asked);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] asked) {
            record(asked);
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return null;
        }
    }

    /** Accepts exactly one server certificate, already verified by the server's trust-manager; nothing else. */
    private static final class PinnedTrustManager extends X509ExtendedTrustManager {

        private final Certificate pinned;

        PinnedTrustManager(Certificate pinned) {
            this.pinned = pinned;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(pinned)) {
                throw new CertificateException("not the bank certificate verified before");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
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
