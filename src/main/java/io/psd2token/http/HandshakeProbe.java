package io.psd2token.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Finds out, after a request failed with a bare "connection closed", whether TLS was the cause.
 *
 * <p>In TLS 1.3 the client finishes its handshake before the server has checked the client certificate,
 * so a bank that refuses (or does not receive) the QWAC shows up in {@link java.net.http.HttpClient} as a
 * closed connection, not as a handshake error. One bare handshake with the same SSL context tells the two
 * apart: did we present a certificate at all, and does the bank then send a certificate alert? It runs only
 * on that failure path.
 */
final class HandshakeProbe {

    private static final int READ_TIMEOUT_MILLIS = 2_000;

    private HandshakeProbe() {
    }

    /** @return the TLS cause of the failure, or {@code null} if the handshake and the bank look healthy */
    static TlsHandshakeException diagnose(URI uri, SSLContext sslContext, Duration connectTimeout) {
        String host = uri.getHost() + ":" + (uri.getPort() >= 0 ? uri.getPort() : 443);
        int port = uri.getPort() >= 0 ? uri.getPort() : 443;
        try (SSLSocket socket = (SSLSocket) sslContext.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), (int) connectTimeout.toMillis());
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
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
}
