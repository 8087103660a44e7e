package io.psd2token.testbed;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLPeerUnverifiedException;

import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;

import io.psd2token.testbed.BankSimulator.Settings;

/**
 * The token endpoint's client authentication by the TLS client certificate, as PSD2 banks do with eIDAS QWACs:
 * the chain the TLS layer let through ({@link AnyClientChainTrustManager}) must be valid now, chain to the
 * configured QTSP CA, and carry the registered client id as organizationIdentifier. A failure is an RFC 6749
 * {@code invalid_client}.
 */
final class ClientCertificateCheck {

    private final TrustAnchor qtspAnchor;
    private final Settings settings;

    ClientCertificateCheck(Settings settings) {
        this.settings = settings;
        this.qtspAnchor = new TrustAnchor(settings.trustedQtspCa(), null);
    }

    /** Authenticates the client by its TLS certificate, as PSD2 banks do with eIDAS QWACs. */
    void check(HttpExchange exchange, String clientId) throws OAuthError {
        List<X509Certificate> chain = peerChain(exchange);
        if (chain.isEmpty()) {
            throw invalidClient("no client certificate presented");
        }
        X509Certificate leaf = chain.get(0);
        Date now = Date.from(settings.clock().instant());
        // Validity first, so an expired QWAC is reported as such rather than as a path failure.
        try {
            leaf.checkValidity(now);
        } catch (CertificateExpiredException e) {
            throw invalidClient("client certificate expired");
        } catch (CertificateNotYetValidException e) {
            throw invalidClient("client certificate not yet valid");
        }
        if (!chainsToQtsp(chain, now)) {
            throw invalidClient("client certificate not issued by a recognised QTSP");
        }
        String organizationIdentifier = organizationIdentifier(leaf);
        if (organizationIdentifier == null) {
            throw invalidClient("client certificate has no organizationIdentifier");
        }
        if (!organizationIdentifier.equals(clientId)) {
            throw invalidClient("client_id does not match the certificate organizationIdentifier");
        }
        if (!organizationIdentifier.equals(settings.expectedClientId())) {
            throw invalidClient("client_id is not registered with this bank");
        }
    }

    private static OAuthError invalidClient(String description) {
        return new OAuthError(401, "invalid_client", description);
    }

    /** The client chain of the exchange's TLS session, leaf first; empty without TLS or without a chain. */
    static List<X509Certificate> peerChain(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return List.of();
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : https.getSSLSession().getPeerCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
            return chain;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    private boolean chainsToQtsp(List<X509Certificate> chain, Date at) {
        // A client may or may not send its root; the trust anchor must come from configuration, never the wire.
        List<X509Certificate> path = new ArrayList<>(chain);
        while (path.size() > 1 && isSelfIssued(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(Set.of(qtspAnchor));
            parameters.setRevocationEnabled(false);
            parameters.setDate(at);
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean isSelfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    /** Returns the subject's organizationIdentifier (OID 2.5.4.97), or null if absent or ambiguous. */
    private static String organizationIdentifier(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] rdns = subject.getRDNs(BCStyle.ORGANIZATION_IDENTIFIER);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            return null;
        }
        return rdns[0].getFirst().getValue() instanceof ASN1String value ? value.getString() : null;
    }
}
