package io.psd2token.internal.wildfly;

import io.psd2token.error.TlsSetupException;
import io.psd2token.internal.tls.TlsProbe;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import org.wildfly.security.auth.client.AuthenticationContext;
import org.wildfly.security.auth.client.AuthenticationContextConfigurationClient;

/**
 * The SSL context the server's Elytron configuration assigns to a bank URI: the authentication-context's
 * match rules select a client-ssl-context, whose key-manager presents the QWAC and whose trust-manager
 * decides which bank certificates to trust. The application never sees a key store or a password.
 *
 * <p>Uses {@link AuthenticationContext#captureCurrent()}, which in WildFly is the elytron subsystem's
 * {@code default-authentication-context}. It is captured once, on the deployment's thread, so that lookups
 * from background threads see the same rules. The elytron subsystem adds the Elytron client module to
 * every deployment, so this needs no deployment descriptor.
 */
public final class ElytronSslContexts {

    private final AuthenticationContextConfigurationClient client =
            AuthenticationContextConfigurationClient.ACTION.run();
    private final AuthenticationContext context = AuthenticationContext.captureCurrent();

    /**
     * @param uri the bank URI to connect to
     * @return the SSL context Elytron selects for it
     * @throws TlsSetupException when no match rule selects a client-ssl-context for the URI, or Elytron fails
     */
    public SSLContext forUri(URI uri) {
        SSLContext sslContext;
        try {
            sslContext = client.getSSLContext(uri, context);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsSetupException("Elytron could not provide an SSL context for " + hostPort(uri)
                    + " (" + e.getClass().getSimpleName() + "); check the client-ssl-context, key-manager and"
                    + " trust-manager in the elytron subsystem", e);
        }
        // A URI no match rule covers silently gets the JVM default, which presents no client certificate:
        // fail here with the fix, instead of a bank-side handshake error later.
        if (sslContext == null || sslContext == jvmDefault()) {
            throw new TlsSetupException("no Elytron authentication-context match rule selects a client-ssl-context"
                    + " for " + hostPort(uri) + ", so the QWAC would not be presented. Add a match rule for this"
                    + " host (see server-config/configure.cli) and make that authentication-context the elytron"
                    + " subsystem's default-authentication-context", null);
        }
        return sslContext;
    }

    private static SSLContext jvmDefault() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            return null;
        }
    }

    private static String hostPort(URI uri) {
        return TlsProbe.hostPort(uri);
    }
}
