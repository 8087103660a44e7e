package io.psd2token.internal.tls;

import java.net.Socket;
import java.net.URI;
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
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * Reads the list of certificate authorities a bank names when it asks for a client certificate: a key-manager
 * presents only a certificate issued by one of them, so a QWAC from another QTSP is silently not presented, and
 * that list is what tells "the context has no QWAC" from "the bank does not accept our QTSP". One handshake with a
 * key-manager that records the list and presents nothing, and a trust-manager that accepts exactly the bank
 * certificate the server's own trust-manager verified before (pinned, never trusted blindly).
 */
final class RequestedIssuers {

    private RequestedIssuers() {
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
static Optional<List<X500Principal>> read(URI uri, Certificate[] verifiedServerChain, Duration timeout) {
    if (verifiedServerChain == null || verifiedServerChain.length == 0) {
        return Optional.empty();
    }
    RecordingKeyManager keys = new RecordingKeyManager();
    try {
        SSLContext probe = SSLContext.getInstance("TLS");
        probe.init(new javax.net.ssl.KeyManager[] {keys},
                new javax.net.ssl.TrustManager[] {new PinnedTrustManager(verifiedServerChain[0])},
                new SecureRandom());
        TlsProbe.handshake(uri, probe, timeout, timeout, Duration.ZERO);
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
}
