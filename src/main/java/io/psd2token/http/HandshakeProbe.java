package io.psd2token.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
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
 * {@link #serverAnsweredHello} counts the bytes. One bare handshake with the same SSL context, only on those
 * failure paths, bounded by the time the caller has left.
 */
final class HandshakeProbe {

    private HandshakeProbe() {
    }

    /**
     * @param timeout bound on connecting and on each read of the probe
     * @return the TLS cause of a closed connection, or {@code null} if the handshake and the bank look healthy
     */
    static TlsHandshakeException diagnose(URI uri, SSLContext sslContext, Duration timeout) {
        String host = host(uri);
        try (SSLSocket socket = connect(uri, sslContext, timeout, new AtomicLong())) {
            socket.startHandshake();
            if (socket.getSession().getLocalCertificates() == null) {
                return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                        "no client certificate was presented: the client-ssl-context that the Elytron"
                                + " authentication-context selects for this host has no key-manager holding the"
                                + " QWAC, and the bank closed the connection", null);
            }
            // A TLS 1.3 bank reports a refused certificate with an alert after the handshake: read for it.
            InputStream in = socket.getInputStream();
            if (in.read() < 0) {
                return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                        "the bank closed the connection right after a handshake in which the QWAC was presented;"
                                + " it most likely refused the certificate (revoked, expired, or not registered)",
                        null);
            }
            return null;
        } catch (SocketTimeoutException e) {
            return null;
        } catch (SSLException e) {
            return JdkBankHttp.classifyTls(host, e);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Repeats a handshake that the bank ended without an alert and says whether the bank sent anything first.
     *
     * @param timeout bound on connecting and on each read of the probe
     * @return {@code FALSE} if the bank closed the connection again without sending a single byte (it did not
     *         answer the ClientHello), {@code TRUE} if it answered, {@code null} if the probe could not tell
     *         (no connection, a timeout, or the handshake succeeded this time)
     */
    static Boolean serverAnsweredHello(URI uri, SSLContext sslContext, Duration timeout) {
        AtomicLong received = new AtomicLong();
        try (SSLSocket socket = connect(uri, sslContext, timeout, received)) {
            socket.startHandshake();
            return null;
        } catch (SSLException e) {
            return received.get() > 0;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A client-mode TLS socket over a plain one that counts the bytes the server sends; not yet handshaken. */
    private static SSLSocket connect(URI uri, SSLContext sslContext, Duration timeout, AtomicLong received)
            throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Socket plain = new CountingSocket(received);
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

    /** A socket whose input stream counts what arrives; the TLS socket layered over it reads through it. */
    private static final class CountingSocket extends Socket {

        private final AtomicLong received;

        CountingSocket(AtomicLong received) {
            this.received = received;
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
