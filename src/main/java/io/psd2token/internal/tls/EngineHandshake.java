package io.psd2token.internal.tls;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Drives a client {@link SSLEngine} over a blocking socket, so that what the handshake decided (the bank's
 * chain, our certificate) can be read at every step, also when the bank ends the handshake later.
 */
final class EngineHandshake {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private final ByteBuffer netOut;
    private ByteBuffer appIn;
    private long received;
    private Certificate[] local;
    private Certificate[] peer;

    EngineHandshake(Socket socket, SSLEngine engine) {
        this.socket = socket;
        this.engine = engine;
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        SSLSession session = engine.getSession();
        this.netIn = ByteBuffer.allocate(session.getPacketBufferSize());
        this.netOut = ByteBuffer.allocate(session.getPacketBufferSize());
        this.appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
    }

    void handshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus status = engine.getHandshakeStatus();
        try {
            while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
                status = switch (status) {
                    case NEED_WRAP -> wrap();
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrap();
                    case NEED_TASK -> tasks();
                    default -> throw new IllegalStateException(status.name());
                };
                remember(engine.getHandshakeSession());
            }
        } catch (SSLException e) {
            remember(engine.getHandshakeSession());
            sendAlert();
            throw e;
        }
        remember(engine.getSession());
    }

    /** After the handshake: does the bank close the connection (or send an alert) within {@code wait}? */
    boolean closedWithin(Duration wait, BooleanSupplier deadlineExpired) throws IOException {
        long end = System.nanoTime() + wait.toNanos();
        try {
            while (System.nanoTime() < end) {
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                if (!readMore()) {
                    return !deadlineExpired.getAsBoolean();
                }
                netIn.flip();
                SSLEngineResult r = engine.unwrap(netIn, appIn);
                netIn.compact();
                appIn.clear();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SSLException e) {
            // A fatal alert after the handshake: the bank refused what it received.
            return true;
        } catch (IOException e) {
            return !deadlineExpired.getAsBoolean();
        }
        return false;
    }

    TlsProbe.Handshake result(boolean finished, IOException failure, boolean timedOut, boolean closed) {
        return new TlsProbe.Handshake(true, finished, received, local, peer, failure, timedOut, closed);
    }

    private HandshakeStatus wrap() throws IOException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(EMPTY, netOut);
        flush();
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLHandshakeException("the engine closed during the handshake");
        }
        return r.getHandshakeStatus();
    }

    private HandshakeStatus unwrap() throws IOException {
        netIn.flip();
        SSLEngineResult r = engine.unwrap(netIn, appIn);
        netIn.compact();
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (!readMore()) {
                    // The JDK's own words for this case, which the failure classification reads.
                    throw new SSLHandshakeException("Remote host terminated the handshake");
                }
                return engine.getHandshakeStatus();
            }
            case BUFFER_OVERFLOW -> {
                appIn = ByteBuffer.allocate(appIn.capacity() * 2);
                return engine.getHandshakeStatus();
            }
            case CLOSED -> throw new SSLHandshakeException("Remote host terminated the handshake");
            default -> {
                return r.getHandshakeStatus();
            }
        }
    }

    private HandshakeStatus tasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        return engine.getHandshakeStatus();
    }

    /** Reads what the socket has into {@link #netIn}; false at end of stream. */
    private boolean readMore() throws IOException {
        if (!netIn.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
        int n = socket.getInputStream().read(netIn.array(), netIn.arrayOffset() + netIn.position(),
                netIn.remaining());
        if (n < 0) {
            return false;
        }
        netIn.position(netIn.position() + n);
        received += n;
        return true;
    }

    private void flush() throws IOException {
        netOut.flip();
        if (netOut.hasRemaining()) {
            socket.getOutputStream().write(netOut.array(), netOut.arrayOffset() + netOut.position(),
                    netOut.remaining());
            socket.getOutputStream().flush();
        }
        netOut.clear();
    }

    /** An engine that failed may hold the alert it means to send: send it, best effort. */
    private void sendAlert() {
        try {
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            flush();
        } catch (IOException | RuntimeException e) {
            // The handshake has failed already; the alert is a courtesy.
        }
    }

    private void remember(SSLSession session) {
        if (session == null) {
            return;
        }
        Certificate[] ours = session.getLocalCertificates();
        if (ours != null) {
            local = ours;
        }
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            // Not verified yet.
        }
    }
}
