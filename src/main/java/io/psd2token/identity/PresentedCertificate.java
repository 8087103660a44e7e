package io.psd2token.identity;

import io.psd2token.identity.PresentedCertificateException.Reason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The client certificate (the QWAC) that an SSL context actually presents to a bank, found by one TLS handshake
 * with the bank's token endpoint.
 *
 * <p>Why a handshake: the application never sees the server's key store. The SSL context Elytron selects for a
 * bank URI holds the QWAC inside its key-manager, which chooses the certificate only when a server asks for one.
 * The handshake sends no HTTP request; the key-manager's private key signs the handshake and never leaves it.
 *
 * <p>Immutable; the certificates are public data.
 */
public final class PresentedCertificate {

    private final String host;
    private final List<X509Certificate> chain;

    private PresentedCertificate(String host, List<X509Certificate> chain) {
        this.host = host;
        this.chain = List.copyOf(chain);
    }

    /**
     * Connects to the endpoint, completes one TLS handshake with host name verification, and keeps the certificate
     * chain the SSL context presented.
     *
     * @param endpoint an https URI of the bank, e.g. its token endpoint; only host and port are used
     * @param sslContext the context the requests to that bank use, e.g. from Elytron for this URI
     * @param connectTimeout bound on the TCP connection
     * @param readTimeout bound on each wait for the bank during the handshake
     * @return the certificate chain the bank received, with the host it was presented to
     * @throws IllegalArgumentException when {@code endpoint} is not an https URI with a host
     * @throws PresentedCertificateException {@link Reason#NO_CERTIFICATE} when the handshake completed without a
     *         client certificate, {@link Reason#HANDSHAKE_FAILED} when TLS failed, {@link Reason#UNREACHABLE} when
     *         the bank could not be reached or did not answer in time
     */
    public static PresentedCertificate fetch(URI endpoint, SSLContext sslContext, Duration connectTimeout,
            Duration readTimeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(sslContext, "sslContext");
        if (!"https".equalsIgnoreCase(endpoint.getScheme()) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("not an https URI with a host: " + endpoint);
        }
        String hostName = hostName(endpoint);
        int port = endpoint.getPort() >= 0 ? endpoint.getPort() : 443;
        String host = hostName + ":" + port;
        int connectMillis = millis(connectTimeout);
        int readMillis = millis(readTimeout);

        Socket plain = new Socket();
        try {
            try {
                plain.connect(new InetSocketAddress(hostName, port), connectMillis);
                plain.setSoTimeout(readMillis);
            } catch (IOException e) {
                throw new PresentedCertificateException(Reason.UNREACHABLE, "cannot connect to " + host
                        + " to find out which client certificate is presented (" + e.getClass().getSimpleName()
                        + "); check the network path and the endpoint URL", e);
            }
            // Layered on the connected socket so that the host name drives SNI and endpoint identification.
            try (SSLSocket socket = (SSLSocket) sslContext.getSocketFactory().createSocket(plain, hostName, port,
                    true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                return new PresentedCertificate(host, presented(socket.getSession().getLocalCertificates(), host));
            }
        } catch (SocketTimeoutException e) {
            throw timedOut(host, readMillis, e);
        } catch (SSLException e) {
            if (hasCause(e, SocketTimeoutException.class)) {
                throw timedOut(host, readMillis, e);
            }
            throw handshakeFailed(host, e);
        } catch (IOException e) {
            throw new PresentedCertificateException(Reason.HANDSHAKE_FAILED, host + " closed the connection during"
                    + " the TLS handshake (" + e.getClass().getSimpleName() + "); banks do this when they receive no"
                    + " client certificate they accept: check that the Elytron match rule for this host selects the"
                    + " client-ssl-context holding the QWAC", e);
        } finally {
            closeQuietly(plain);
        }
    }

    /**
     * The presented certificate: the QWAC.
     *
     * @return the leaf of the chain, whose subject carries the organizationIdentifier (the client_id)
     */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * The presented chain, the QWAC first, as the key-manager sent it.
     *
     * @return an unmodifiable list of at least one certificate
     */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * The {@code host:port} the handshake was made with.
     *
     * @return the host and port, e.g. {@code www.13807.live.api.89c3.com:443}, for messages and logs
     */
    public String host() {
        return host;
    }

    /** Names the host and the certificate; never key material. */
    @Override
    public String toString() {
        X509Certificate leaf = certificate();
        return "PresentedCertificate[host=" + host + ", subject="
                + TppIdentity.printable(TppIdentity.rfc2253(leaf.getSubjectX500Principal())) + ", serial="
                + leaf.getSerialNumber().toString(16).toUpperCase(Locale.ROOT) + ", chainLength=" + chain.size() + "]";
    }

    private static List<X509Certificate> presented(Certificate[] local, String host) {
        if (local == null || local.length == 0) {
            throw new PresentedCertificateException(Reason.NO_CERTIFICATE, "no client certificate presented for "
                    + host + ": the Elytron match rule for this host selects an SSL context without the QWAC. Make"
                    + " the authentication-context's match rule for this host select the client-ssl-context whose"
                    + " key-manager holds the QWAC", null);
        }
        List<X509Certificate> chain = new ArrayList<>(local.length);
        for (Certificate certificate : local) {
            if (!(certificate instanceof X509Certificate x509)) {
                throw new PresentedCertificateException(Reason.NO_CERTIFICATE, "the client certificate presented for "
                        + host + " is a " + certificate.getType() + " certificate, not X.509", null);
            }
            chain.add(x509);
        }
        return chain;
    }

    private static PresentedCertificateException timedOut(String host, int readMillis, IOException e) {
        return new PresentedCertificateException(Reason.UNREACHABLE, host + " did not complete the TLS handshake"
                + " within " + readMillis + " ms of silence; check that the endpoint is a TLS server and reachable", e);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e.getCause(); t != null && t != e; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static PresentedCertificateException handshakeFailed(String host, SSLException e) {
        String message = String.valueOf(e.getMessage());
        // "Received fatal alert" means the bank ended the handshake; anything else was refused on our side.
        String what = message.toLowerCase(Locale.ROOT).contains("received fatal alert")
                ? "the bank ended it (" + TppIdentity.printable(message) + "); with TLS 1.2 that is how a bank answers"
                        + " a missing or refused client certificate: check that the Elytron match rule for this host"
                        + " selects the client-ssl-context holding the QWAC, and that the QWAC is valid"
                : "it failed on our side (" + TppIdentity.printable(message) + "); most often the bank's server"
                        + " certificate is not trusted by the Elytron trust-manager or does not cover this host name";
        return new PresentedCertificateException(Reason.HANDSHAKE_FAILED, "TLS handshake with " + host
                + " failed, so the presented client certificate is unknown: " + what, e);
    }

    private static String hostName(URI uri) {
        String host = uri.getHost();
        // URI keeps the brackets of an IPv6 literal; sockets want the bare address.
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int millis(Duration timeout) {
        long millis = timeout.toMillis();
        if (millis <= 0) {
            throw new IllegalArgumentException("timeouts must be positive: " + timeout);
        }
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is best effort: the handshake's outcome is already decided.
        }
    }
}
