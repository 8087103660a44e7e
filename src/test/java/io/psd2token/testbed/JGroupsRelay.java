package io.psd2token.testbed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of one cluster node's JGroups port: the node advertises the relay's port to its peers, so
 * every byte the other nodes send it — discovery, views, cache replication — passes through here and is recorded.
 * Lets a test look at exactly what travels between the nodes, with no capture tool: e.g. that no token does.
 */
public final class JGroupsRelay implements AutoCloseable {

    /** Recorded bytes kept at most (the tests' traffic is far smaller). */
    private static final int MAX_RECORDED = 64 * 1024 * 1024;

    private final ServerSocket server;
    private final int targetPort;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final List<byte[]> openings = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private JGroupsRelay(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
    }

    /** Listens on a free loopback port and forwards every connection to 127.0.0.1:{@code targetPort}. */
    public static JGroupsRelay start(int targetPort) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        JGroupsRelay relay = new JGroupsRelay(server, targetPort);
        Thread accept = new Thread(relay::acceptLoop, "jgroups-relay-" + targetPort);
        accept.setDaemon(true);
        accept.start();
        return relay;
    }

    /** The port the node advertises to its peers. */
    public int port() {
        return server.getLocalPort();
    }

    /** How many bytes passed, both directions together. */
    public synchronized int bytes() {
        return recorded.size();
    }

    /** How many connections passed. */
    public int connections() {
        return openings.size() / 2;
    }

    /** The first bytes (up to 5) each side sent on each connection, in the order they arrived. */
    public List<byte[]> openings() {
        return new ArrayList<>(openings);
    }

    /** Whether {@code text} (as US-ASCII) occurs anywhere in what passed. */
    public boolean saw(String text) {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        byte[] haystack;
        synchronized (this) {
            haystack = recorded.toByteArray();
        }
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        sockets.forEach(JGroupsRelay::closeQuietly);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket in = server.accept();
                Socket out;
                try {
                    out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                } catch (IOException e) {
                    // The node is down: its peer sees a refused connection, as it would without the relay.
                    closeQuietly(in);
                    continue;
                }
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                if (!closed) {
                    sleepBriefly();
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            boolean first = true;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (first && n > 0) {
                        openings.add(java.util.Arrays.copyOf(buffer, Math.min(n, 5)));
                        first = false;
                    }
                    record(buffer, n);
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // One side went away: the other follows.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "jgroups-relay-pump-" + targetPort);
        t.setDaemon(true);
        t.start();
    }

    private synchronized void record(byte[] buffer, int n) {
        if (recorded.size() + n <= MAX_RECORDED) {
            recorded.write(buffer, 0, n);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
