package io.psd2token.internal.token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.BankTokenException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cache slot of one (bank, requested scope): the current token, the one request in flight, the failure being
 * replayed, and the slot's counters. The state machine that moves these lives in {@link TokenManager}; this class
 * only holds the state and its atomic steps.
 *
 * <p>Single-flight: {@link #flight} holds at most one request; whoever sets it from null runs it, everybody
 * else waits on (or, while a usable token exists, ignores) that same request. {@link Flight#RETIRED} there means
 * the slot has left the registry. The plain counters are written only by the owner of the flight, one flight at a
 * time, so volatile writes suffice.
 */
final class TokenSlot {

    private static final VarHandle CURRENT;
    private static final VarHandle FLIGHT;
    private static final VarHandle RECOVERIES;
    private static final VarHandle BUSY;
    private static final VarHandle CIRCUIT;
    private static final VarHandle BACKOFF;
    private static final VarHandle SHARING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CURRENT = lookup.findVarHandle(TokenSlot.class, "current", CachedToken.class);
            FLIGHT = lookup.findVarHandle(TokenSlot.class, "flight", Flight.class);
            RECOVERIES = lookup.findVarHandle(TokenSlot.class, "invalidTokenRecoveries", long.class);
            BUSY = lookup.findVarHandle(TokenSlot.class, "busyRefusals", long.class);
            CIRCUIT = lookup.findVarHandle(TokenSlot.class, "circuitRefusals", long.class);
            BACKOFF = lookup.findVarHandle(TokenSlot.class, "backoffRefusals", long.class);
            SHARING = lookup.findVarHandle(TokenSlot.class, "sharing", SlotSharing.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final SlotKey key;
    final BankEndpoints endpoints;
    final BankState bank;

    // Read by the hot path: a volatile field rather than an AtomicReference saves one dereference per call.
    volatile CachedToken current;
    volatile Flight flight;

    /** The failure replayed to callers without a usable token until its back-off ends; null when none. */
    volatile Failure failure;
    volatile long nextBackgroundNanos;
    volatile int consecutiveFailures;
    /** Refreshed ahead of time whether used or not, and never retired ({@code psd2.warm-up}). */
    volatile boolean keepWarm;
    /** Whether the failure to warm this slot was logged (once, not at every retry). */
    volatile boolean warmFailureLogged;
    volatile BankTokenException lastFailure;
    volatile long lastFailureNanos;
    volatile long lastSuccessNanos;
    volatile boolean succeeded;
    volatile long requests;
    volatile long backgroundRefreshes;
    volatile long failures;
    // Counted on the hot path by every thread at once: a LongAdder spreads them. The rarer counts below are plain
    // fields counted atomically, 8 bytes each rather than an object each (a slot is kept per cached token).
    final LongAdder hits = new LongAdder();
    volatile long invalidTokenRecoveries;
    volatile long busyRefusals;
    volatile long circuitRefusals;
    volatile long backoffRefusals;
    /** What the cluster left on this slot; null until the first shared event (always on a single node). */
    volatile SlotSharing sharing;

    TokenSlot(SlotKey key, BankEndpoints endpoints, BankState bank) {
        this.key = key;
        this.endpoints = endpoints;
        this.bank = bank;
    }

    Bkcode bankCode() {
        return key.bank();
    }

    Scope scope() {
        return key.scope();
    }

    String bk() {
        return key.bank().value();
    }

    boolean casCurrent(CachedToken expected, CachedToken next) {
        return CURRENT.compareAndSet(this, expected, next);
    }

    boolean casFlight(Flight expected, Flight next) {
        return FLIGHT.compareAndSet(this, expected, next);
    }

    /** The failure to replay at {@code nowNanos}, or null when there is none or its back-off has ended. */
    Failure failureAt(long nowNanos) {
        Failure f = failure;
        return f != null && nowNanos - f.untilNanos() < 0 ? f : null;
    }

    long refusals() {
        return busyRefusals + circuitRefusals + backoffRefusals;
    }

    void countInvalidTokenRecovery() {
        RECOVERIES.getAndAdd(this, 1L);
    }

    /** A caller failed before any request: the bank was slow and enough callers already waited. */
    void countBusyRefusal() {
        BUSY.getAndAdd(this, 1L);
    }

    /** A caller failed at once: the bank's circuit was open. */
    void countCircuitRefusal() {
        CIRCUIT.getAndAdd(this, 1L);
    }

    /** A caller given a recent failure again, during its back-off. */
    void countBackoffRefusal() {
        BACKOFF.getAndAdd(this, 1L);
    }

    /** The slot's cluster record, made on first use. */
    SlotSharing sharing() {
        SlotSharing current = sharing;
        if (current == null) {
            SlotSharing made = new SlotSharing();
            current = SHARING.compareAndSet(this, null, made) ? made : sharing;
        }
        return current;
    }

    /** The cluster entry of the last token evicted here after a 403, or null. */
    String rejectedShared() {
        SlotSharing current = sharing;
        return current == null ? null : current.rejected;
    }

    /** One cache slot's key: a bank and a normalised scope. */
    record SlotKey(Bkcode bank, Scope scope) {
    }

    /** A failure replayed to callers until {@code untilNanos}. */
    record Failure(BankTokenException error, long untilNanos) {
    }
}
