package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.BankBusyException;
import io.psd2token.error.BankTokenException;
import io.psd2token.error.TokenRejectedException;
import io.psd2token.error.TokenWaitTimeoutException;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Obtains client-credentials tokens from banks and keeps one per (bank, scope): the state machine of a slot.
 *
 * <p>The life of a token (points computed by {@link TokenPolicy}): <b>fresh</b> — handed out after one volatile
 * read, no clock read; <b>stale</b> — the timer hands the one background request for its successor to the I/O
 * executor, if the token was used since it arrived (an idle token is left to lapse, and its slot leaves the
 * registry at the drop point); callers keep the fast path until the successor replaces it or the fast path ends
 * half-way to the drop point; <b>dropped</b> — never handed out: callers wait, all on the same request
 * (single-flight), for at most the wait timeout.
 *
 * <p>This class is the face: the callers' paths. A slot's requests are {@link SlotLifecycle} (who may start one,
 * how one ends) and {@link TokenRequests} (the attempts); a token's deadlines are {@link TokenDeadlines}; the slots
 * themselves {@link SlotRegistry}.
 *
 * <p>Threads: callers never block except to wait for a missing token. Timer tasks only flip flags and hand work
 * over ({@link TokenTimer}); token requests are asynchronous ({@link BankHttp}) and their completions run on the
 * I/O executor. Every request, whatever is thrown inside it, ends in {@link SlotLifecycle#settle}, which clears the slot's
 * flight, gives back the circuit's permit and completes the callers' future.
 *
 * <p>Failures: a failed background refresh keeps the still-valid token and is retried with exponential
 * back-off; a failed blocking request fails all its waiters, each with its own copy of the typed error, and
 * for the failure back-off (or the bank's capped Retry-After) later callers get a copy without a new request.
 * Nothing failed is ever cached as a token. Thread-safe.
 *
 * <p>About 400 lines, most of them the documentation of the public methods; the callers' logic is the hot path,
 * the slow path and the wait.
 */
public final class TokenManager {

    // Package-private for tests that look inside (bounded maps).
    final SlotRegistry registry;
    private final SlotLifecycle lifecycle;
    private final TokenDeadlines deadlines;
    private final SharedSlots shared;
    private final TokenClock clock;
    private final TokenPolicy policy;
    private final Resilience resilience;
    private final boolean countHits;
    private final long waitNanos;
    private final SafeMetrics metrics;

    TokenManager(TokenManagerBuilder b) {
        this.clock = b.clock;
        this.policy = b.policy;
        this.resilience = b.resilience;
        SafeMetrics metrics = new SafeMetrics(b.metrics);
        this.metrics = metrics;
        this.countHits = metrics.countsHits();
        this.waitNanos = Nanos.of(b.policy.waitTimeout());
        TokenTimer timer = Objects.requireNonNull(b.timer, "timer");
        Handoff handoff = new Handoff(Objects.requireNonNull(b.io, "io"));
        RetryPolicy retries = new RetryPolicy(b.resilience, b.policy, b.jitter);
        TokenEndpointClient endpoint = new TokenEndpointClient(Objects.requireNonNull(b.http, "http"), b.clientId,
                Objects.requireNonNull(b.jsonb, "jsonb"), b.policy);
        // At deployment rather than in the first caller's request (see TokenResponseParser.warmUp).
        endpoint.warmUp();
        this.registry = new SlotRegistry(Objects.requireNonNull(b.banks, "banks"), b.scopes, b.resilience,
                slot -> metrics.slotCreated(slot.bk(), slot.scope().value(), new SlotMetrics(slot, b.clock)));
        this.lifecycle = new SlotLifecycle(b.clock, retries, b.gate, metrics, handoff);
        this.deadlines = new TokenDeadlines(b.clock, timer, handoff, registry, metrics, lifecycle);
        this.shared = new SharedSlots(b.shared, b.credentials, b.node, b.syncInterval, b.clock, b.policy,
                b.resilience, timer, handoff, registry);
        TokenRequests requests = new TokenRequests(endpoint, b.clock, b.policy, b.resilience, retries, timer, handoff,
                lifecycle, deadlines, shared);
        lifecycle.connect(requests, deadlines, shared);
        shared.connect(lifecycle, requests, deadlines);
        shared.startSync();
    }

    /**
     * Starts building a token manager.
     *
     * @return a builder; {@code banks}, {@code http}, {@code jsonb}, {@code timer} and {@code io} are required
     */
    public static TokenManagerBuilder builder() {
        return new TokenManagerBuilder();
    }

    /**
     * A valid token of the bank for its default scope.
     *
     * @param bkcode the bank's five-digit code; checked (and its endpoint resolved) on first use only
     * @return the cached token while it may be handed out, otherwise a new one from the single shared request
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode) {
        TokenSlot slot = registry.defaults.get(bkcode);
        return slot != null ? fromSlot(slot) : slowToken(registry.defaultSlot(bkcode));
    }

    /**
     * A valid token of the bank for the given space-separated scope; see {@link #token(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated PSD2 roles, e.g. {@code "aisp"}; order and repeated spaces do not matter
     * @return the cached token of that bank and scope while usable, otherwise a new one
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode, String scope) {
        return fromSlot(registry.scopedSlot(bkcode, scope));
    }

    /** The hot path: two volatile reads, no clock, no allocation; small enough for the JIT to inline. */
    private AccessToken fromSlot(TokenSlot slot) {
        CachedToken cached = slot.current;
        if (cached != null && cached.mode == (CachedToken.FAST | CachedToken.USED)) {
            if (countHits) {
                slot.hits.increment();
            }
            return cached.token;
        }
        return slowToken(slot);
    }

    /**
     * A valid token of the bank for the scope.
     *
     * @param bank the bank, its code already validated
     * @param scope the scope to ask for
     * @return the cached token of that bank and scope while usable, otherwise a new one
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(Bkcode bank, Scope scope) {
        return slowToken(registry.slot(bank, scope));
    }

    /**
     * The token without blocking the caller: completed at once while a usable token is cached, otherwise when
     * the (shared) request completes; fails with the same typed errors. Waiting here holds no thread, so it is
     * not counted against {@code psd2.max-waiting-callers}.
     *
     * @param bkcode the bank's five-digit code
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code is malformed or unknown
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode) {
        return tokenAsync(registry.defaultSlot(bkcode));
    }

    /**
     * The token of the bank for the scope, without blocking; see {@link #tokenAsync(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated PSD2 roles
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code or the scope is refused
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode, String scope) {
        return tokenAsync(registry.scopedSlot(bkcode, scope));
    }

    /**
     * Calls the bank's API with a token, and once more with a new token if the API rejects the first one as
     * invalid (HTTP 403 "Invalid token", e.g. because it expired or was revoked early).
     *
     * @param bkcode the bank
     * @param call the API call, carrying the token it is given
     * @param rejectedAsInvalid tells whether the call's result is the bank's "Invalid token" rejection
     * @param <T> the call's result
     * @return the result of the first call, or of the second when the first was rejected
     * @throws TokenRejectedException when the second call is rejected too
     */
    public <T> T withToken(String bkcode, Function<AccessToken, T> call, Predicate<? super T> rejectedAsInvalid) {
        AccessToken first = token(bkcode);
        T result = call.apply(first);
        if (!rejectedAsInvalid.test(result)) {
            return result;
        }
        invalidate(first);
        AccessToken second = token(bkcode);
        T retried = call.apply(second);
        if (rejectedAsInvalid.test(retried)) {
            invalidate(second);
            throw new TokenRejectedException(second.bank().value());
        }
        return retried;
    }

    /**
     * Keeps the bank's token for the scope warm for as long as the application runs: fetched now in the
     * background, refreshed ahead of time whether used or not, retried with back-off while the bank fails.
     * Never blocks and never throws for a bank that is down.
     *
     * @param bank the bank
     * @param scope the scope, or {@code null} for the bank's default scope
     * @throws BankTokenException when the bank is unknown or disabled or the scope refused (nothing is sent)
     */
    public void keepWarm(Bkcode bank, Scope scope) {
        deadlines.keepWarm(scope == null ? registry.defaultSlot(bank.value()) : registry.slot(bank, scope));
    }

    /**
     * Forgets every cached token of every bank because the credentials they were obtained with changed (QWAC
     * rotation): a request in flight now is not installed when it completes, but sent again.
     */
    public void invalidateAll() {
        lifecycle.newEpoch();
        for (TokenSlot slot : registry.all()) {
            SlotLifecycle.evict(slot, slot.current);
        }
    }

    /**
     * {@link #invalidateAll()}, and in a cluster the shared tokens of the previous certificate go too (each entry
     * by its exact value, in the background): no node installs them again, and a node that has not noticed the
     * rotation yet drops its copy at its next comparison with the cluster.
     *
     * @param previousFingerprint the SHA-256 fingerprint of the QWAC presented before the rotation
     */
    public void invalidateAll(String previousFingerprint) {
        invalidateAll();
        shared.retire(previousFingerprint);
    }

    /**
     * Forgets every cached token of the bank and any failure being replayed for it; the next call sends a request.
     * In a cluster, the bank's shared tokens this node sees go too (each entry by its exact value).
     *
     * @param bank the bank whose tokens, of every scope, are dropped
     */
    public void invalidate(Bkcode bank) {
        // The cluster first: a slot dropped below must not find the old entry again.
        shared.evictBank(bank);
        for (TokenSlot slot : registry.all()) {
            if (slot.bankCode().equals(bank)) {
                slot.failure = null;
                slot.nextBackgroundNanos = clock.nanoTime();
                SlotLifecycle.evict(slot, slot.current);
            }
        }
    }

    /**
     * Forgets {@code token} if it is still the cached one (compare-and-evict: a newer token another thread
     * already fetched is kept). The token knows its slot by the scope it was asked for, whatever the bank granted.
     * In a cluster the shared entry goes too if it still holds that very token (never a newer one).
     *
     * @param token the token the bank rejected, as it was handed out (compared by identity)
     * @return true if it was evicted; false if it was no longer cached
     */
    public boolean invalidate(AccessToken token) {
        TokenSlot slot = registry.existing(token.bank(), token.requestedScope());
        CachedToken cached = slot == null ? null : slot.current;
        if (cached != null && cached.token == token && SlotLifecycle.evict(slot, cached)) {
            slot.countInvalidTokenRecovery();
            shared.rejected(slot, cached);
            return true;
        }
        return false;
    }

    /**
     * Reports that a call to the bank's API was refused for its rate limit (by the bank, or held back while its
     * pause runs). Nothing about the bank's tokens changes: a rate limit is not an invalid token.
     *
     * @param bank the bank
     * @param heldBack whether the call was held back without being sent
     */
    public void apiRateLimited(Bkcode bank, boolean heldBack) {
        metrics.apiRateLimited(bank.value(), heldBack);
    }

    /**
     * The state of every slot, for monitoring; never contains a token.
     *
     * @return one snapshot per (bank, scope) in the registry, read now; a new list on each call
     */
    public List<TokenState> states() {
        long now = clock.nanoTime();
        List<TokenState> states = new ArrayList<>();
        for (TokenSlot slot : registry.all()) {
            CachedToken cached = slot.current;
            TokenState.Phase phase;
            Duration age = Duration.ZERO;
            Duration expiresIn = Duration.ZERO;
            if (cached == null) {
                phase = TokenState.Phase.NONE;
            } else {
                age = Duration.ofNanos(now - cached.sentNanos);
                if (!cached.usableAt(now)) {
                    phase = TokenState.Phase.EXPIRED;
                } else {
                    expiresIn = Duration.ofNanos(cached.dropAtNanos - now);
                    phase = cached.staleAt(now) ? TokenState.Phase.STALE : TokenState.Phase.FRESH;
                }
            }
            BankTokenException failure = slot.lastFailure;
            states.add(new TokenState(slot.bk(), slot.scope().value(), phase, age, expiresIn, slot.requests,
                    slot.backgroundRefreshes, slot.failures, Optional.ofNullable(failure)
                            .map(f -> f.getClass().getSimpleName() + ": " + f.getMessage()),
                    slot.succeeded ? Optional.of(Duration.ofNanos(now - slot.lastSuccessNanos)) : Optional.empty(),
                    slot.bank.circuit.state().name(), slot.refusals(), slot.keepWarm));
        }
        return states;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The slot's state machine

    private AccessToken slowToken(TokenSlot slot) {
        TokenSlot current = slot;
        for (int resolved = 0; ; resolved++) {
            CachedToken cached = current.current;
            if (cached != null && cached.fast()) {
                cached.markUsed();
                return hit(current, cached);
            }
            long now = clock.nanoTime();
            if (cached != null && cached.usableAt(now)) {
                // Out of the fast path but still valid (refresh overdue, failed or not started): serve it, and
                // retry the refresh behind it, with back-off.
                cached.markUsed();
                if (cached.staleAt(now)) {
                    lifecycle.startBackground(current, cached, now);
                }
                return hit(current, cached);
            }
            Flight flight = lifecycle.joinOrStart(current, now, true);
            if (flight != null) {
                return await(current, flight, now);
            }
            // The slot left the registry (idle token dropped) between the lookup and now: find or make its successor.
            current = again(current);
            if (resolved > 100) {
                throw new IllegalStateException("bank " + slot.bk() + ": the token slot keeps being retired");
            }
        }
    }

    private AccessToken hit(TokenSlot slot, CachedToken cached) {
        if (countHits) {
            slot.hits.increment();
        }
        return cached.token;
    }

    private TokenSlot again(TokenSlot retired) {
        registry.remove(retired);
        return registry.slot(retired.bankCode(), retired.scope());
    }

    private CompletionStage<AccessToken> tokenAsync(TokenSlot slot) {
        TokenSlot current = slot;
        for (int resolved = 0; resolved < 100; resolved++) {
            CachedToken cached = current.current;
            if (cached != null && cached.fast()) {
                cached.markUsed();
                return CompletableFuture.completedFuture(hit(current, cached));
            }
            long now = clock.nanoTime();
            if (cached != null && cached.usableAt(now)) {
                cached.markUsed();
                if (cached.staleAt(now)) {
                    lifecycle.startBackground(current, cached, now);
                }
                return CompletableFuture.completedFuture(hit(current, cached));
            }
            Flight flight;
            try {
                flight = lifecycle.joinOrStart(current, now, false);
            } catch (BankTokenException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (flight != null) {
                String bank = current.bk();
                return flight.future.thenApply(c -> c.token)
                        .orTimeout(waitNanos, TimeUnit.NANOSECONDS)
                        .exceptionallyCompose(e -> CompletableFuture.failedFuture(forCaller(e, bank)));
            }
            current = again(current);
        }
        return CompletableFuture.failedFuture(new IllegalStateException("the token slot keeps being retired"));
    }

    private AccessToken await(TokenSlot slot, Flight flight, long now) {
        BankState bank = slot.bank;
        int waitingNow = bank.waiting.incrementAndGet();
        try {
            int max = resilience.maxWaitingCallers();
            long inFlight = now - flight.startNanos;
            // The bound protects threads from a slow bank, not from a crowd: a young request fails nobody.
            if (max > 0 && waitingNow > max && inFlight >= Nanos.of(resilience.slowBankThreshold())) {
                slot.countBusyRefusal();
                throw new BankBusyException(slot.bk(), waitingNow - 1, TimeUnit.NANOSECONDS.toMillis(inFlight));
            }
            return flight.future.get(waitNanos, TimeUnit.NANOSECONDS).token;
        } catch (ExecutionException e) {
            throw forCaller(e.getCause(), slot.bk());
        } catch (TimeoutException e) {
            throw new TokenWaitTimeoutException(slot.bk(), policy.waitTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenWaitTimeoutException(slot.bk(), policy.waitTimeout());
        } finally {
            bank.waiting.decrementAndGet();
        }
    }

    /** The error one caller gets from a shared outcome: its own copy of a typed error. */
    private RuntimeException forCaller(Throwable e, String bank) {
        Throwable cause = TokenRequests.unwrap(e);
        if (cause instanceof BankTokenException typed) {
            return typed.replay();
        }
        if (cause instanceof TimeoutException) {
            return new TokenWaitTimeoutException(bank, policy.waitTimeout());
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
}
