package io.psd2token.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Finds out, after a request failed in a way the JDK reports vaguely, what the TLS layer was doing.
 *
 * <p>Two failures need it. In TLS 1.3 the client finishes its handshake before the server has checked the
 * client certificate, so a bank that refuses (or does not receive) the QWAC shows up in
 * {@link java.net.http.HttpClient} as a closed connection, not as a handshake error: {@link #diagnose} tells
 * the two apart (did we present a certificate at all, does the bank then send a certificate alert?). And a
 * handshake the bank "terminated" without an alert is either a refused client certificate (the bank answered
 * our ClientHello, then hung up) or no common protocol version or cipher suite (it hung up without a byte):
 * {@link #repeat} counts the bytes. One bare handshake with the same SSL context, only on those
 * failure paths, bounded by the time the caller has left.
 */
final class HandshakeProbe {

    private HandshakeProbe() {
    }

    /**
     * @param timeout bound on the whole probe: connecting, the handshake and the wait for an alert
     * @return the TLS cause of a closed connection, or {@code null} if the handshake and the bank look healthy
     *         (or the probe ran out of time)
     */
    static TlsHandshakeException diagnose(URI uri, SSLContext sslContext, Duration timeout) {
        String host = host(uri);
        CountingSocket plain = new CountingSocket();
        try (Deadline deadline = new Deadline(plain, timeout); SSLSocket socket = connect(uri, sslContext, timeout,
                plain)) {
            try {
                return diagnose(host, socket, deadline);
            } catch (SSLException e) {
                // A socket closed by the deadline may surface as an SSL error: that says nothing about the bank.
                return deadline.expired() ? null : JdkBankHttp.classifyTls(host, e);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static TlsHandshakeException diagnose(String host, SSLSocket socket, Deadline deadline)
            throws IOException {
        try {
            socket.startHandshake();
            if (socket.getSession().getLocalCertificates() == null) {
                return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                        "no client certificate was presented: the client-ssl-context that the Elytron"
                                + " authentication-context selects for this host has no key-manager holding the"
                                + " QWAC, and the bank closed the connection", null);
            }
            // A TLS 1.3 bank reports a refused certificate with an alert after the handshake: read for it.
            InputStream in = socket.getInputStream();
            if (in.read() < 0 && !deadline.expired()) {
                return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                        "the bank closed the connection right after a handshake in which the QWAC was presented;"
                                + " it most likely refused the certificate (revoked, expired, or not registered)",
                        null);
            }
            return null;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /**
     * Repeats a handshake that the bank ended without an alert (or reset), counting what the bank sends first.
     *
     * @param timeout bound on the whole probe: connecting and the handshake
     * @return what the repeated handshake showed, or {@code null} when no connection could be made or the probe
     *         ran out of time
     */
    static Handshake repeat(URI uri, SSLContext sslContext, Duration timeout) {
        CountingSocket plain = new CountingSocket();
        try (Deadline deadline = new Deadline(plain, timeout)) {
            SSLSocket socket;
            try {
                socket = connect(uri, sslContext, timeout, plain);
            } catch (IOException | RuntimeException e) {
                return null;
            }
            try (socket) {
                socket.startHandshake();
                return new Handshake(plain.received(), null);
            } catch (IOException e) {
                return deadline.expired() ? null : new Handshake(plain.received(), e);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /**
     * What one repeated handshake showed.
     *
     * @param bytesFromServer how many bytes the bank sent before the handshake ended; zero means it did not
     *        answer the ClientHello
     * @param failure how the handshake ended, or {@code null} if it succeeded this time
     */
    record Handshake(long bytesFromServer, IOException failure) {
    }

    /** A client-mode TLS socket over {@code plain}, connected but not yet handshaken. */
    private static SSLSocket connect(URI uri, SSLContext sslContext, Duration timeout, Socket plain)
            throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try {
            plain.connect(new InetSocketAddress(uri.getHost(), port(uri)), millis);
            plain.setSoTimeout(millis);
            SSLSocket socket = (SSLSocket) sslContext.getSocketFactory()
                    .createSocket(plain, uri.getHost(), port(uri), true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(millis);
            return socket;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private static String host(URI uri) {
        return uri.getHost() + ":" + port(uri);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : 443;
    }

    /**
     * Closes the probe's socket when its time is up, whatever it is blocked in (connect, handshake, read), so
     * that the probe as a whole, not each of its reads, is bounded.
     */
    private static final class Deadline implements AutoCloseable {

        private final AtomicBoolean expired = new AtomicBoolean();
        private final CompletableFuture<Void> alarm;

        Deadline(Socket socket, Duration timeout) {
            // Run on the JDK's delay thread itself: closing a socket is quick, and no pool is borrowed.
            alarm = CompletableFuture.runAsync(() -> {
                expired.set(true);
                try {
                    socket.close();
                } catch (IOException e) {
                    // Already closed.
                }
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

    /** A socket whose input stream counts what arrives; the TLS socket layered over it reads through it. */
    private static final class CountingSocket extends Socket {

        private final AtomicLong received = new AtomicLong();

        long received() {
            return received.get();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return new FilterInputStream(super.getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        received.incrementAndGet();
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = super.read(buffer, offset, length);
                    if (n > 0) {
                        received.addAndGet(n);
                    }
                    return n;
                }
            };
        }
    }
}
