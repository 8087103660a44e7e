package io.psd2token.testbed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.psd2token.testbed.BankSimulator.Fault;

/**
 * A bank's own port, as each real bank has its own host. It relays every connection, bytes untouched, to the
 * shared HTTPS server (so TLS and the client certificate check stay end to end), unless the bank is in a
 * connection fault: then it plays the fault itself.
 */
final class Door {

    /** How long a connection fault's TLS handshake or a relay waits on a silent peer before giving up. */
    static final int TIMEOUT_MILLIS = 10_000;
    // The façade's logger: log configurations and captures know the simulator by that name.
    private static final Logger LOG = Logger.getLogger(BankSimulator.class.getName());

    final BankState bank;
    final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Doors doors;
    private ServerSocket listener; // guarded by bank; null while connections are refused

    Door(BankState bank, Doors doors) throws IOException {
        this.bank = bank;
        this.doors = doors;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
        acceptOn(listener);
    }

    private ServerSocket listen(int onPort) throws IOException {
        ServerSocket socket = new ServerSocket();
        // The port is re-bound after CONNECTION_REFUSED; connections of before may still be in TIME_WAIT.
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(doors.bindAddress), onPort), 50);
        return socket;
    }

    private void acceptOn(ServerSocket socket) {
        doors.execute(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    sockets.add(client);
                    doors.execute(() -> serve(client));
                } catch (IOException | RuntimeException e) {
                    // Closed (refused fault or close()) ends the loop; anything else is retried.
                }
            }
        });
    }

    /** Closes the listener: connections are refused until {@link #admit()}. Called under the bank's lock. */
    void refuse() {
        if (listener != null) {
            closeQuietly(listener);
            listener = null;
        }
    }

    /** Listens again on the same port. Called under the bank's lock. */
    void admit() {
        if (listener == null && !doors.isClosed()) {
            try {
                listener = listen(port);
                acceptOn(listener);
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen again on port " + port + " of bank " + bank.code, e);
            }
        }
    }

    void dropConnections() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
            sockets.remove(socket);
        }
    }

    void close() {
        refuse();
        dropConnections();
    }

    private void serve(Socket client) {
        long generation = bank.generation();
        Fault fault = bank.take(Fault.Where.CONNECTION);
        try {
            if (fault == null) {
                relay(client);
                return;
            }
            LOG.log(Level.FINE, "bank {0}: connection answered with fault {1}", new Object[] { bank.code, fault });
            switch (fault) {
                case CONNECTION_RESET -> client.setSoLinger(true, 0);
                case SILENT_AFTER_CONNECT -> bank.awaitFaultChange(generation);
                default -> doors.handshakeFaults.play(client, fault);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "bank {0}: dedicated port connection ended: {1}",
                    new Object[] { bank.code, e.toString() });
        } finally {
            closeQuietly(client);
            sockets.remove(client);
        }
    }

    private void relay(Socket client) throws IOException {
        Socket upstream = new Socket();
        sockets.add(upstream);
        try {
            upstream.connect(doors.sharedServer(), TIMEOUT_MILLIS);
            doors.execute(() -> pump(client, upstream));
            pump(upstream, client);
        } finally {
            closeQuietly(upstream);
            sockets.remove(upstream);
        }
    }

    /** Copies until either side ends, then closes both, which ends the other direction's pump too. */
    private void pump(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // A side closed or reset: the exchange is over either way.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing is best effort: the peer may have gone already.
        }
    }
}
