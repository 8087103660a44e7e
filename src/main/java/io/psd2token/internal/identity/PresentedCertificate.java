package io.psd2token.internal.identity;

import io.psd2token.error.PresentedCertificateException;
import io.psd2token.error.PresentedCertificateException.Reason;
import io.psd2token.error.SafeText;
import io.psd2token.internal.tls.TlsFailures;
import io.psd2token.internal.tls.TlsProbe;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.security.auth.x500.X500Principal;

/**
 * The client certificate (the QWAC) that an SSL context actually presents to a bank, found by one TLS handshake
 * with the bank's token endpoint ({@link TlsProbe}).
 *
 * <p>Why a handshake: the application never sees the server's key store. The SSL context Elytron selects for a
 * bank URI holds the QWAC inside its key-manager, which chooses the certificate only when a server asks for one,
 * and only among the issuers the server names. The handshake sends no HTTP request; the private key signs the
 * handshake and never leaves it.
 *
 * <p>Immutable; the certificates are public data.
 */
public final class PresentedCertificate {

    /** How long to listen, after the handshake, for the bank refusing the certificate it just received. */
    private static final Duration REFUSAL_WAIT = Duration.ofMillis(500);
    // The JDK prints unknown attributes as hex; name 2.5.4.97 as a certificate viewer does.
    private static final java.util.Map<String, String> KEYWORDS = java.util.Map.of("2.5.4.97", "organizationIdentifier");

    private final String host;
    private final List<X509Certificate> chain;
    private final boolean refusedAfterHandshake;

    private PresentedCertificate(String host, List<X509Certificate> chain, boolean refusedAfterHandshake) {
        this.host = host;
        this.chain = List.copyOf(chain);
        this.refusedAfterHandshake = refusedAfterHandshake;
    }

    /**
     * Connects to the endpoint, completes one TLS handshake with host name verification, and keeps the
     * certificate chain the SSL context presented.
     *
     * @param endpoint an https URI of the bank, e.g. its token endpoint; only host and port are used
     * @param sslContext the context the requests to that bank use, e.g. from Elytron for this URI
     * @param connectTimeout bound on the TCP connection
     * @param timeout bound on the whole handshake
     * @param knownQwac the QWAC read before (from another bank, or an earlier read), named in the message when this
     *        bank's server does not accept its issuer; {@code null} when none is known
     * @return the certificate chain the bank received, with the host it was presented to
     * @throws IllegalArgumentException when {@code endpoint} is not an https URI with a host
     * @throws PresentedCertificateException {@link Reason#NO_CERTIFICATE} when the handshake completed without a
     *         client certificate (the message tells a context without the QWAC from a bank that accepts none of its
     *         issuers), {@link Reason#HANDSHAKE_FAILED} when TLS failed, {@link Reason#UNREACHABLE} when the bank
     *         could not be reached or did not answer in time
     */
    public static PresentedCertificate fetch(URI endpoint, SSLContext sslContext, Duration connectTimeout,
            Duration timeout, X509Certificate knownQwac) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(sslContext, "sslContext");
        if (!"https".equalsIgnoreCase(endpoint.getScheme()) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("not an https URI with a host: " + endpoint);
        }
        requirePositive(connectTimeout);
        requirePositive(timeout);
        String host = TlsProbe.hostPort(endpoint);
        TlsProbe.Handshake handshake = TlsProbe.handshake(endpoint, sslContext, connectTimeout, timeout, REFUSAL_WAIT);
        if (!handshake.connected()) {
            throw new PresentedCertificateException(Reason.UNREACHABLE, "cannot connect to " + host
                    + " to find out which client certificate is presented (" + name(handshake.failure())
                    + "); check the network path and the endpoint URL", handshake.failure());
        }
        boolean bankAskedAndGotNothing = !handshake.presented() && handshake.peerCertificates() != null;
        if (!handshake.completed() && !bankAskedAndGotNothing) {
            throw failed(host, handshake, timeout);
        }
        if (!handshake.presented()) {
            // Our side trusted the bank and presented nothing: the bank then ended the handshake, or let it
            // complete and will refuse the request. Which of the two the context lacks, a key or an issuer the
            // bank names, one more handshake tells.
            throw notPresented(endpoint, host, handshake.peerCertificates(), timeout, knownQwac);
        }
        return new PresentedCertificate(host, chain(handshake.localCertificates(), host),
                !handshake.completed() || handshake.closedAfterHandshake());
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
     * @return the host and port, for messages and logs
     */
    public String host() {
        return host;
    }

    /**
     * Whether the bank refused the certificate once it had received it: it ended the handshake, or (TLS 1.3) closed
     * the connection right after a handshake that completed on our side (revoked, expired, not registered).
     *
     * @return true if the bank refused the presented certificate within half a second
     */
    public boolean refusedAfterHandshake() {
        return refusedAfterHandshake;
    }

    /** Names the host and the certificate; never key material. */
    @Override
    public String toString() {
        X509Certificate leaf = certificate();
        return "PresentedCertificate[host=" + host + ", subject="
                + SafeText.of(leaf.getSubjectX500Principal().getName(X500Principal.RFC2253, KEYWORDS), 256) + ", serial="
                + leaf.getSerialNumber().toString(16).toUpperCase(Locale.ROOT) + ", chainLength=" + chain.size() + "]";
    }

    /**
     * The handshake completed and no certificate was presented: either the selected context has no key at all, or
     * its key-manager found no certificate from the issuers the bank named. One more handshake reads that list.
     */
    private static PresentedCertificateException notPresented(URI endpoint, String host, Certificate[] bankChain,
            Duration timeout, X509Certificate knownQwac) {
        Optional<List<X500Principal>> asked = TlsProbe.requestedIssuers(endpoint, bankChain, timeout);
        if (asked.isPresent() && !asked.get().isEmpty()) {
            String list = asked.get().stream().limit(10).map(p -> SafeText.of(p.getName(), 200))
                    .collect(Collectors.joining("; ", "[", asked.get().size() > 10 ? "; ...]" : "]"));
            String ours = knownQwac == null
                    ? "either that context holds no QWAC, or its QWAC's issuer is not one of them: compare with the"
                            + " issuer of the certificate in the key-store behind the Elytron key-manager"
                    : "the QWAC (serial " + knownQwac.getSerialNumber().toString(16).toUpperCase(Locale.ROOT)
                            + ") is issued by " + SafeText.of(knownQwac.getIssuerX500Principal().getName(), 200)
                            + ", which is not among them";
            return new PresentedCertificateException(Reason.NO_CERTIFICATE, "no client certificate presented for "
                    + host + ": the bank asks for a client certificate issued by one of " + list + ", and the SSL"
                    + " context that the Elytron match rule selects for this host presented none; " + ours
                    + ". Ask the bank whether it accepts your QTSP, or use a QWAC from one it lists", null);
        }
        return new PresentedCertificateException(Reason.NO_CERTIFICATE, "no client certificate presented for "
                + host + ": the Elytron match rule for this host selects an SSL context without the QWAC. Make the"
                + " authentication-context's match rule for this host select the client-ssl-context whose"
                + " key-manager holds the QWAC", null);
    }

    private static PresentedCertificateException failed(String host, TlsProbe.Handshake handshake, Duration timeout) {
        IOException e = handshake.failure();
        if (handshake.timedOut() || e instanceof SocketTimeoutException
                || e != null && e.getCause() instanceof SocketTimeoutException) {
            return new PresentedCertificateException(Reason.UNREACHABLE, host + " did not complete the TLS handshake"
                    + " within " + timeout.toMillis() + " ms; check that the endpoint is a TLS server and reachable", e);
        }
        SSLException ssl = TlsFailures.sslCause(e);
        String message = ssl == null ? "" : String.valueOf(ssl.getMessage()).toLowerCase(Locale.ROOT);
        if (ssl == null || TlsFailures.hungUpDuringHandshake(e)) {
            return new PresentedCertificateException(Reason.HANDSHAKE_FAILED, host + " closed the connection during"
                    + " the TLS handshake (" + name(e) + "); banks do this when they receive no client certificate"
                    + " they accept: check that the Elytron match rule for this host selects the client-ssl-context"
                    + " holding the QWAC", e);
        }
        String what = message.contains("received fatal alert")
                ? "the bank ended it (" + SafeText.of(ssl.getMessage(), 120) + "); with TLS 1.2 that is how a bank"
                        + " answers a missing or refused client certificate: check that the Elytron match rule for"
                        + " this host selects the client-ssl-context holding the QWAC, and that the QWAC is valid"
                : "it failed on our side (" + SafeText.of(ssl.getMessage(), 120) + "); most often the bank's server"
                        + " certificate is not trusted by the Elytron trust-manager or does not cover this host name";
        return new PresentedCertificateException(Reason.HANDSHAKE_FAILED, "TLS handshake with " + host
                + " failed, so the presented client certificate is unknown: " + what, e);
    }

    private static List<X509Certificate> chain(Certificate[] local, String host) {
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

    private static String name(Throwable e) {
        return e == null ? "no error" : e.getClass().getSimpleName();
    }

    private static void requirePositive(Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must be positive: " + timeout);
        }
    }
}
