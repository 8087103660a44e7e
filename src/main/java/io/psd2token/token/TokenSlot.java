package io.psd2token.token;

import io.psd2token.BankTokenException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cache slot of one (bank, scope): the current token, the one request in flight, and the last failure.
 *
 * <p>Single-flight: {@link #inFlight} holds at most one request; whoever sets it from null runs the request,
 * everybody else waits on (or, while a usable token exists, ignores) that same future. The counters are
 * written only by the owner of the in-flight request, so plain volatile writes suffice.
 */
final class TokenSlot {

    final BankEndpoints endpoints;
    final Scope scope;
    final AtomicReference<CachedToken> current = new AtomicReference<>();
    final AtomicReference<CompletableFuture<CachedToken>> inFlight = new AtomicReference<>();

    volatile BankTokenException lastFailure;
    volatile long lastFailureNanos;
    volatile long lastSuccessNanos;
    volatile boolean succeeded;
    volatile long failureBackoffNanos;
    volatile long nextBackgroundAttemptNanos;
    volatile int consecutiveFailures;
    volatile long requests;
    volatile long backgroundRefreshes;
    volatile long failures;
    final LongAdder hits = new LongAdder();
    final LongAdder invalidTokenRecoveries = new LongAdder();

    TokenSlot(BankEndpoints endpoints, Scope scope) {
        this.endpoints = endpoints;
        this.scope = scope;
    }

    /** The last failure if it happened less than {@code backoffNanos} ago, else null. */
    BankTokenException recentFailure(long nowNanos, long backoffNanos) {
        BankTokenException failure = lastFailure;
        return failure != null && nowNanos - lastFailureNanos < backoffNanos ? failure : null;
    }
}
