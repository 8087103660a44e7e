package io.psd2token.internal.token;

import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;

/** The live, read-only counters of one slot, as a metrics binding reads them (gauges, function counters). */
final class SlotMetrics implements TokenMetrics.SlotCounters {

    private final TokenSlot slot;
    private final TokenClock clock;

    SlotMetrics(TokenSlot slot, TokenClock clock) {
        this.slot = slot;
        this.clock = clock;
    }

    @Override
    public long requests() {
        return slot.requests;
    }

    @Override
    public long failures() {
        return slot.failures;
    }

    @Override
    public long backgroundRefreshes() {
        return slot.backgroundRefreshes;
    }

    @Override
    public long hits() {
        return slot.hits.sum();
    }

    @Override
    public long invalidTokenRecoveries() {
        return slot.invalidTokenRecoveries;
    }

    @Override
    public long busyRefusals() {
        return slot.busyRefusals;
    }

    @Override
    public long circuitRefusals() {
        return slot.circuitRefusals;
    }

    @Override
    public long backoffRefusals() {
        return slot.backoffRefusals;
    }

    @Override
    public long sharedInstalls() {
        SlotSharing sharing = slot.sharing;
        return sharing == null ? 0 : sharing.installs.get();
    }

    @Override
    public long sharedPublishes() {
        SlotSharing sharing = slot.sharing;
        return sharing == null ? 0 : sharing.publishes.get();
    }

    @Override
    public double tokenAgeSeconds() {
        CachedToken cached = slot.current;
        return cached == null ? -1 : (clock.nanoTime() - cached.sentNanos) / 1e9;
    }

    @Override
    public double tokenExpiresInSeconds() {
        CachedToken cached = slot.current;
        return cached == null ? -1 : Math.max(0, (cached.dropAtNanos - clock.nanoTime()) / 1e9);
    }

    @Override
    public double circuitOpen() {
        return slot.bank.circuit.state() == BankCircuit.State.OPEN ? 1 : 0;
    }
}
