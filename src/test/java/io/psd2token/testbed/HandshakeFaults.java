package io.psd2token.testbed;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.psd2token.testbed.BankSimulator.Fault;

/**
 * The TLS connection faults of a dedicated port, played as the server side of a handshake the client is expected
 * to fail: a wrong or untrusted server certificate (from {@link FaultCertificates}, made on first use), a TLS front
 * end refusing every client chain or naming another CA, a protocol or cipher suite the client cannot agree to.
 */
final class HandshakeFaults {

    // The server key, shared by the connection faults that present the bank's real certificate.
    private final KeyManager[] serverKeyManagers;
    private FaultCertificates faultCertificates; // guarded by this, made on first use

    HandshakeFaults(KeyManager[] serverKeyManagers) {
        this.serverKeyManagers = serverKeyManagers;
    }

    /** Certificates the connection faults present, made on first use. */
    synchronized FaultCertificates certificates() {
        if (faultCertificates == null) {
            faultCertificates = new FaultCertificates();
        }
        return faultCertificates;
    }

    /** Plays a TLS fault as the server side of the handshake, which the client is expected to fail. */
    void play(Socket client, Fault fault) throws IOException {
        FaultCertificates certificates = certificates();
        SSLContext context = switch (fault) {
            case UNTRUSTED_SERVER_CERTIFICATE -> certificates.untrusted;
            case SERVER_CERTIFICATE_FOR_ANOTHER_HOST -> certificates.otherHost;
            case CLIENT_CERTIFICATE_REFUSED_BY_TLS -> ServerTls.serverSslContext(serverKeyManagers,
                    new AnyClientChainTrustManager(true));
            case TLS_PROTOCOL_MISMATCH, TLS_NO_COMMON_CIPHER_SUITE -> ServerTls.serverSslContext(serverKeyManagers,
                    new AnyClientChainTrustManager());
            case CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED -> ServerTls.serverSslContext(serverKeyManagers,
                    new AnyClientChainTrustManager(false, certificates.requestedCa));
            default -> throw new IllegalStateException("not a TLS fault: " + fault);
        };
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(client, null, true);
        tls.setUseClientMode(false);
        tls.setNeedClientAuth(true);
        switch (fault) {
            // Disabled in every current JDK: the server cannot negotiate it and hangs up on the hello.
            case TLS_PROTOCOL_MISMATCH -> tls.setEnabledProtocols(new String[] { "TLSv1.1" });
            case TLS_NO_COMMON_CIPHER_SUITE -> {
                // An RSA suite with an EC key: no suite is usable, the server sends handshake_failure.
                tls.setEnabledProtocols(new String[] { "TLSv1.2" });
                tls.setEnabledCipherSuites(new String[] { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" });
            }
            default -> tls.setEnabledProtocols(ServerTls.PROTOCOLS);
        }
        tls.setSoTimeout(Door.TIMEOUT_MILLIS);
        try {
            tls.startHandshake();
            // A client that accepted the handshake gets nothing more: read until it gives up.
            tls.getInputStream().transferTo(OutputStream.nullOutputStream());
        } finally {
            tls.close();
        }
    }
}
