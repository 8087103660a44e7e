package io.psd2token.testbed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpsServer;

/**
 * What the banks' dedicated ports ({@link Door}) share: where they listen and relay to (the shared HTTPS server),
 * the threads that accept, relay and play connection faults, the TLS faults, and the simulator's closed flag. A
 * bank's door is opened here on first use and kept until the simulator closes.
 */
final class Doors {

    final String bindAddress;
    final HandshakeFaults handshakeFaults;
    private final HttpsServer server;
    private final AtomicBoolean closed;
    // Threads of the dedicated ports: acceptors, relays and connection faults.
    private final ExecutorService threads;

    Doors(String bindAddress, HttpsServer server, HandshakeFaults handshakeFaults, AtomicBoolean closed) {
        this.bindAddress = bindAddress;
        this.server = server;
        this.handshakeFaults = handshakeFaults;
        this.closed = closed;
        AtomicInteger doorThreadNumber = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "bank-simulator-door-" + doorThreadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The bank's door, opened on first call. */
    Door door(BankState bank) {
        synchronized (bank) {
            if (closed.get()) {
                throw new IllegalStateException("the simulator is closed");
            }
            if (bank.door == null) {
                try {
                    bank.door = new Door(bank, this);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot open a port for bank " + bank.code, e);
                }
            }
            return bank.door;
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    void execute(Runnable task) {
        threads.execute(task);
    }

    /** The shared server's address, as a door connects to it: loopback when it listens on every address. */
    InetSocketAddress sharedServer() {
        InetAddress address = server.getAddress().getAddress();
        return new InetSocketAddress(address.isAnyLocalAddress()
                ? InetAddress.getLoopbackAddress() : address, server.getAddress().getPort());
    }

    /** Ends the doors' threads; the doors themselves are closed bank by bank. */
    void shutdown() {
        threads.shutdownNow();
    }
}
