package io.psd2token.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;

import io.psd2token.testbed.BankSimulator.Settings;

/**
 * The server side of the simulator's TLS: the bank's key from the configured PKCS12 key store, the SSL contexts
 * built on it (or on a fault's key) with a client-chain trust manager, and the parameters of the shared HTTPS
 * server, which requires a client certificate.
 */
final class ServerTls {

    /** The TLS versions the banks speak, unless a fault says otherwise. */
    static final String[] PROTOCOLS = { "TLSv1.3", "TLSv1.2" };

    private ServerTls() {
    }

    static KeyManager[] serverKeyManagers(Settings settings) {
        char[] password = settings.serverKeyStorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(settings.serverKeyStore())) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, password);
            return keyManagers.getKeyManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the server key store " + settings.serverKeyStore(), e);
        }
    }

    static SSLContext serverSslContext(KeyManager[] keyManagers, TrustManager clientChecks) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] { clientChecks }, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a server SSL context", e);
        }
    }

    /** The shared server's TLS: {@link #PROTOCOLS}, client certificate required. */
    static HttpsConfigurator configurator(SSLContext sslContext) {
        return new HttpsConfigurator(sslContext) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setProtocols(PROTOCOLS);
                // Required, not wanted: a client without a certificate fails the handshake, as at a real bank.
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        };
    }
}
