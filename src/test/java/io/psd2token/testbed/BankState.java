package io.psd2token.testbed;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.psd2token.testbed.BankSimulator.ExpiresInStyle;
import io.psd2token.testbed.BankSimulator.Fault;

/**
 * Everything one simulated bank keeps: its live tokens, counters and switches (token type, {@code expires_in}
 * style), its fault and its dedicated port (add new switches here). The fault is switched under this object's
 * monitor, which also wakes the answers and connections that hang or drip until the fault changes.
 */
final class BankState {

    /** A fault switched on for a bank: for ever ({@code remaining} null) or for a number of occurrences. */
    record FaultSetting(Fault fault, AtomicInteger remaining) {
    }

    final String code;
    final Map<String, Instant> tokenExpiries = new ConcurrentHashMap<>();
    final AtomicInteger tokenRequests = new AtomicInteger();
    final AtomicInteger tokensIssued = new AtomicInteger();
    volatile BigInteger lastClientCertificateSerial;
    final AtomicInteger paymentRequests = new AtomicInteger();
    final AtomicInteger invalidTokenResponses = new AtomicInteger();
    volatile String tokenType = BankSimulator.DEFAULT_TOKEN_TYPE;
    volatile ExpiresInStyle expiresInStyle = ExpiresInStyle.STRING;
    /** Issuing a token revokes every earlier token of the bank (some ASPSPs do; BPCE does not say). */
    volatile boolean revokesPreviousTokens;
    // Off: each token answer closes its connection (see the BankSimulator class comment).
    volatile boolean keepsTokenConnections;
    /** The X-Request-ID of the last API call, and how many API calls came without one. */
    volatile String lastRequestId;
    final AtomicInteger callsWithoutRequestId = new AtomicInteger();
    final AtomicInteger rateLimitedResponses = new AtomicInteger();
    // Written under this object's monitor (which also wakes answers waiting for the fault to change).
    volatile FaultSetting fault;
    // Bumped by every explicit change of the fault; a hanging answer ends when it moves. Guarded by this.
    long faultGeneration;
    // The bank's own port, opened on first use. Guarded by this.
    Door door;
    // The simulator's closed flag: a closed simulator ends every wait.
    private final AtomicBoolean closed;

    BankState(String code, AtomicBoolean closed) {
        this.code = code;
        this.closed = closed;
    }

    /** The fault acting at {@code where} for one occurrence, or null; a counted fault ends with its last one. */
    Fault take(Fault.Where where) {
        FaultSetting setting = fault;
        if (setting == null || setting.fault().where() != where) {
            return null;
        }
        if (setting.remaining() == null) {
            return setting.fault();
        }
        while (true) {
            int left = setting.remaining().get();
            if (left <= 0) {
                return null;
            }
            if (setting.remaining().compareAndSet(left, left - 1)) {
                if (left == 1) {
                    synchronized (this) {
                        if (fault == setting) {
                            fault = null;
                        }
                    }
                }
                return setting.fault();
            }
        }
    }

    synchronized long generation() {
        return faultGeneration;
    }

    /** Switches the fault (null: none), wakes what hangs on the old one, and makes the dedicated port follow. */
    void changeFault(FaultSetting setting, Doors doors) {
        synchronized (this) {
            fault = setting;
            faultGeneration++;
            notifyAll();
            if (setting != null && setting.fault() == Fault.CONNECTION_REFUSED) {
                doors.door(this).refuse();
            } else if (door != null) {
                door.admit();
            }
            if (setting != null && setting.fault().where() == Fault.Where.CONNECTION && door != null) {
                // Connections opened before the fault must not let a client around it.
                door.dropConnections();
            }
        }
    }

    /** Waits until the bank's fault changes explicitly or the simulator closes; false if it did within the wait. */
    boolean sleepUnlessFaultChanges(long generation, Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        synchronized (this) {
            try {
                while (!closed.get() && faultGeneration == generation) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    void awaitFaultChange(long generation) {
        while (sleepUnlessFaultChanges(generation, Duration.ofSeconds(1))) {
            // Still the same fault: keep hanging.
        }
    }

    boolean isLive(String token, Instant now) {
        Instant expiry = tokenExpiries.get(token);
        return expiry != null && expiry.isAfter(now);
    }

    void reset() {
        tokenExpiries.clear();
        tokenRequests.set(0);
        tokensIssued.set(0);
        paymentRequests.set(0);
        invalidTokenResponses.set(0);
        tokenType = BankSimulator.DEFAULT_TOKEN_TYPE;
        expiresInStyle = ExpiresInStyle.STRING;
        keepsTokenConnections = false;
    }

    /** For the simulator's close: wakes every waiter on this bank and closes the bank's port. */
    void close() {
        synchronized (this) {
            // Ends answers waiting for a fault to change.
            notifyAll();
            if (door != null) {
                door.close();
            }
        }
    }
}
