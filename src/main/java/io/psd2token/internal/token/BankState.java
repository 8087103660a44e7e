package io.psd2token.internal.token;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** What the slots of one bank share: its circuit breaker, its waiting callers, and how many slots it has. */
final class BankState {

    final BankCircuit circuit;
    /** Callers blocked waiting for one of this bank's tokens now. */
    final AtomicInteger waiting = new AtomicInteger();
    /** Slots of this bank in the registry, bounded by {@code psd2.max-scopes-per-bank}. */
    final AtomicInteger slots = new AtomicInteger();

    BankState(int circuitThreshold, Duration circuitOpenFor) {
        this.circuit = new BankCircuit(circuitThreshold, circuitOpenFor);
    }
}
