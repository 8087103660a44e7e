package io.psd2token.testbed;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Client SSL contexts built from the test PKI's files, standing in for Elytron outside the server. */
public final class ClientTls {

    private ClientTls() {
    }

    /**
     * @param pki the test PKI (for the store password)
     * @param clientKeyStore a PKCS12 with the client key, or {@code null} to present no certificate
     * @param trustStore a PKCS12 with the trusted CAs
     */
    public static SSLContext of(TestPki pki, Path clientKeyStore, Path trustStore) {
        return of(pki, clientKeyStore, trustStore, "TLS");
    }

    /** As {@link #of(TestPki, Path, Path)}, for one protocol, e.g. {@code TLSv1.2} (negotiates no higher). */
    public static SSLContext of(TestPki pki, Path clientKeyStore, Path trustStore, String protocol) {
        try {
            char[] password = pki.password().toCharArray();
            KeyManagerFactory keys = null;
            if (clientKeyStore != null) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(clientKeyStore, password), password);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(trustStore, password));
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a client SSL context from " + clientKeyStore, e);
        }
    }

    private static KeyStore load(Path file, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }
}
