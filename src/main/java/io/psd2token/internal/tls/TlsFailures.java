package io.psd2token.internal.tls;

import io.psd2token.error.BankUnreachableException;
import io.psd2token.error.SafeText;
import io.psd2token.error.TlsHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Tells which side a TLS failure is on — the bank's certificate, our certificate, or the negotiation — from the
 * JDK's exceptions and, where those are vague, from one more bounded handshake ({@link TlsProbe}).
 *
 * <p>Two failures need the extra handshake. In TLS 1.3 the client finishes its handshake before the server has
 * checked the client certificate, so a bank that refuses (or does not receive) the QWAC shows up as a closed
 * connection, not as a handshake error. And a handshake the bank "terminated" without an alert is either a
 * refused client certificate (the bank answered our ClientHello, then hung up) or no common protocol version or
 * cipher suite (it hung up without a byte).
 */
public final class TlsFailures {

    // TLS alerts a server sends when it does not accept the client's certificate (RFC 8446 §6.2).
    private static final List<String> CLIENT_CERTIFICATE_ALERTS = List.of("bad_certificate", "certificate_required",
            "unknown_ca", "access_denied", "certificate_expired", "certificate_revoked", "unsupported_certificate",
            "certificate_unknown");

    private TlsFailures() {
    }

    /**
     * The typed error for an SSL exception, by what its message says.
     *
     * @param host {@code host:port}, for the message
     * @param ssl the JDK's error
     * @return the error naming the side to look at
     */
    public static TlsHandshakeException classify(String host, SSLException ssl) {
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
     * The TLS cause of a connection the bank closed after the handshake, found with one more handshake; null if
     * the handshake and the bank look healthy (or the probe ran out of time).
     *
     * @param uri the bank URI
     * @param sslContext the context of the failed request
     * @param timeout bound on the probe
     * @return the diagnosed error, or null
     */
    public static TlsHandshakeException diagnoseClosedConnection(URI uri, SSLContext sslContext, Duration timeout) {
        String host = TlsProbe.hostPort(uri);
        TlsProbe.Handshake probe = TlsProbe.handshake(uri, sslContext, timeout, timeout, timeout);
        if (!probe.connected() || probe.timedOut()) {
            return null;
        }
        if (!probe.presented() && probe.peerCertificates() != null) {
            return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                    "no client certificate was presented: the client-ssl-context that the Elytron"
                            + " authentication-context selects for this host has no key-manager holding the"
                            + " QWAC (or the bank accepts none of its issuers), and the bank closed the connection",
                    null);
        }
        if (probe.failure() != null) {
            SSLException ssl = sslCause(probe.failure());
            return ssl == null ? null : classify(host, ssl);
        }
        if (probe.closedAfterHandshake()) {
            return new TlsHandshakeException(host, TlsHandshakeException.Side.CLIENT_CERTIFICATE,
                    "the bank closed the connection right after a handshake in which the QWAC was presented;"
                            + " it most likely refused the certificate (revoked, expired, or not registered)", null);
        }
        return null;
    }

    /**
     * The bank ended the connection before any answer, without a TLS alert: a refused client certificate (it
     * answered our hello, asked for the certificate, then hung up), no common protocol or cipher suite (it hung
     * up on the hello), or the network (a reset before any byte). One repeated handshake tells them apart.
     *
     * @param uri the bank URI
     * @param sslContext the context of the failed request
     * @param io what the request saw
     * @param seen the error the request's own failure reads as
     * @param timeout bound on the probe
     * @return the diagnosed error ({@code seen} when the probe cannot tell)
     */
    public static RuntimeException diagnoseHangUp(URI uri, SSLContext sslContext, IOException io,
            RuntimeException seen, Duration timeout) {
        String host = TlsProbe.hostPort(uri);
        TlsProbe.Handshake probe = TlsProbe.handshake(uri, sslContext, timeout, timeout, Duration.ZERO);
        RuntimeException diagnosed;
        if (!probe.connected()) {
            // The bank would not even take a connection this time: a reset then is the network, not TLS.
            diagnosed = isReset(io) || isReset(probe.failure()) ? reset(host, io, false) : seen;
        } else if (probe.timedOut() || probe.failure() == null || probe.failure() instanceof SocketTimeoutException) {
            // Cannot tell (no connection, it worked this time, or the bank went quiet): say what was seen.
            diagnosed = isReset(io) ? reset(host, io, false) : seen;
        } else if (probe.bytesFromServer() == 0) {
            diagnosed = isReset(io) || isReset(probe.failure()) ? reset(host, io, true)
                    : new TlsHandshakeException(host, TlsHandshakeException.Side.NEGOTIATION, "the bank closed the"
                            + " connection without answering our TLS ClientHello: it accepts none of the protocol"
                            + " versions or cipher suites offered (check the client-ssl-context protocols and cipher"
                            + " suites against the bank's), or a proxy or firewall in between drops TLS", io);
        } else {
            SSLException ssl = sslCause(probe.failure());
            // The bank answered the hello: an alert this time is precise; another hang-up means our certificate.
            diagnosed = ssl != null && !hungUpDuringHandshake(probe.failure()) ? classify(host, ssl)
                    : clientCertificateHangUp(host, io);
        }
        if (diagnosed != seen && diagnosed.getCause() != io) {
            diagnosed.addSuppressed(io);
        }
        return diagnosed;
    }

    /**
     * The peer closed or reset the connection during the connect or the handshake, without a TLS alert.
     *
     * @param e what the request saw
     * @return true for the JDK's words for an EOF or a reset during the handshake
     */
    public static boolean hungUpDuringHandshake(IOException e) {
        if (e instanceof ConnectException && isReset(e)) {
            return true;
        }
        SSLException ssl = sslCause(e);
        String m = ssl == null ? "" : String.valueOf(ssl.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("terminated the handshake") || m.contains("closed the channel");
    }

    /**
     * A TCP reset anywhere in the chain: the JDK reports it in a SocketException, ConnectException or SSL error.
     *
     * @param e what was seen
     * @return true if a reset caused it
     */
    public static boolean isReset(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketException && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)
                    .contains("connection reset")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error for a reset connection.
     *
     * @param host {@code host:port}
     * @param e what was seen
     * @param beforeAnyByte whether the bank had sent nothing yet
     * @return the error saying where to look
     */
    public static BankUnreachableException reset(String host, IOException e, boolean beforeAnyByte) {
        return new BankUnreachableException(host, "the connection was reset (TCP RST) "
                + (beforeAnyByte ? "before the bank sent anything" : "while connecting") + "; a firewall, proxy or"
                + " load balancer in front of the bank, or the bank itself, drops connections from this server:"
                + " check the network path to the bank", e);
    }

    /**
     * The first SSL exception in the chain.
     *
     * @param e what was seen
     * @return the SSL exception, or null
     */
    public static SSLException sslCause(Throwable e) {
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

    /**
     * The bank hung up mid-handshake without an alert. Banks requiring a client certificate do this when none (or
     * one they cannot use) arrives; a protocol mismatch is the rarer cause.
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
        return SafeText.of(i >= 0 ? message.substring(i + 6).trim() : message, 80);
    }
}
