package io.psd2token.testbed;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts whatever client chain is presented at the TLS layer.
 *
 * <p>Why: a bank terminates TLS and then answers an untrusted or expired QWAC with an RFC 6749 invalid_client
 * error, which is what the product must handle; rejecting in the handshake would only test a socket error. The
 * real check runs per request against the configured QTSP CA. A client with no certificate at all still fails
 * the handshake, because client authentication is required. No issuers are advertised, so that clients offer
 * their certificate whoever issued it.
 */
final class AnyClientChainTrustManager extends X509ExtendedTrustManager {

    // True for a bank whose TLS front end does not accept the QWAC: every client chain is refused.
    private final boolean refuseAll;
    // The CAs named in the certificate request: none (any issuer) unless a fault names one.
    private final X509Certificate[] named;

    AnyClientChainTrustManager() {
        this(false);
    }

    AnyClientChainTrustManager(boolean refuseAll) {
        this(refuseAll, null);
    }

    AnyClientChainTrustManager(boolean refuseAll, X509Certificate named) {
        this.refuseAll = refuseAll;
        this.named = named == null ? new X509Certificate[0] : new X509Certificate[] {named};
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (refuseAll) {
            throw new CertificateException("the bank's TLS front end refuses this client certificate");
        }
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no client certificate");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the simulator never acts as a TLS client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return named.clone();
    }
}
