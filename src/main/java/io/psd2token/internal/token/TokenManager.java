package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.BankBusyException;
import io.psd2token.error.BankTokenException;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.error.TokenRejectedException;
import io.psd2token.error.TokenWaitTimeoutException;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.token.AccessToken;
import io.psd2token.token.TokenClock;
import io.psd2token.token.TokenMetrics;
import io.psd2token.token.TokenState;
import jakarta.json.bind.Jsonb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

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
 * <p>Threads: callers never block except to wait for a missing token. Timer tasks only flip flags and hand work
 * over ({@link TokenTimer}); token requests are asynchronous ({@link BankHttp}) and their completions run on the
 * I/O executor. Every request, whatever is thrown inside it, ends in {@link #settle}, which clears the slot's
 * flight, gives back the circuit's permit and completes the callers' future.
 *
 * <p>Failures: a failed background refresh keeps the still-valid token and is retried with exponential
 * back-off; a failed blocking request fails all its waiters, each with its own copy of the typed error, and
 * for the failure back-off (or the bank's capped Retry-After) later callers get a copy without a new request.
 * Nothing failed is ever cached as a token. Thread-safe.
 */
public final class TokenManager {

    private static final Logger LOG = Logger.getLogger(TokenManager.class.getName());
    /** Attempts begun again because the credentials changed under them, at most, per request. */
    private static final int MAX_EPOCH_RESTARTS = 2;

    // Package-private for tests that look inside (bounded maps).
    final SlotRegistry registry;
    private final TokenEndpointClient endpoint;
    private final TokenClock clock;
    private final TokenPolicy policy;
    private final Resilience resilience;
    private final RetryPolicy retries;
    private final TokenTimer timer;
    private final Executor io;
    private final SafeMetrics metrics;
    private final RequestGate gate;
    private final boolean countHits;
    private final long waitNanos;
    // Moves on when the credentials change (QWAC rotation): a request begun before is not installed.
    private volatile long epoch;

    private TokenManager(Builder b) {
        this.clock = b.clock;
        this.policy = b.policy;
        this.resilience = b.resilience;
        this.timer = Objects.requireNonNull(b.timer, "timer");
        this.io = Objects.requireNonNull(b.io, "io");
        this.metrics = new SafeMetrics(b.metrics);
        this.countHits = metrics.countsHits();
        this.gate = b.gate;
        this.retries = new RetryPolicy(b.resilience, b.policy, b.jitter);
        this.endpoint = new TokenEndpointClient(Objects.requireNonNull(b.http, "http"), b.clientId,
                Objects.requireNonNull(b.jsonb, "jsonb"), b.policy);
        this.registry = new SlotRegistry(Objects.requireNonNull(b.banks, "banks"), b.scopes, b.resilience,
                slot -> metrics.slotCreated(slot.bk(), slot.scope().value(), counters(slot)));
        this.waitNanos = Nanos.of(b.policy.waitTimeout());
    }

    /**
     * Starts building a token manager.
     *
     * @return a builder; {@code banks}, {@code http}, {@code jsonb}, {@code timer} and {@code io} are required
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Callers

    /**
     * A valid token of the bank for its default scope.
     *
     * @param bkcode the bank's five-digit code; checked (and its endpoint resolved) on first use only
     * @return the cached token while it may be handed out, otherwise a new one from the single shared request
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode) {
        TokenSlot slot = registry.defaults.get(bkcode);
        if (slot != null) {
            // The hot path: a map lookup and two volatile reads; no clock, no allocation.
            CachedToken cached = slot.current;
            if (cached != null && cached.mode == (CachedToken.FAST | CachedToken.USED)) {
                if (countHits) {
                    slot.hits.increment();
                }
                return cached.token;
            }
            return slowToken(slot);
        }
        return slowToken(registry.defaultSlot(bkcode));
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
        TokenSlot slot = registry.scopedSlot(bkcode, scope);
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
        TokenSlot slot = scope == null ? registry.defaultSlot(bank.value()) : registry.slot(bank, scope);
        slot.keepWarm = true;
        handOff(() -> warmTick(slot));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Invalidation

    /**
     * Forgets every cached token of every bank because the credentials they were obtained with changed (QWAC
     * rotation): a request in flight now is not installed when it completes, but sent again.
     */
    public void invalidateAll() {
        epoch++;
        for (TokenSlot slot : registry.all()) {
            evict(slot, slot.current);
        }
    }

    /**
     * Forgets every cached token of the bank and any failure being replayed for it; the next call sends a request.
     *
     * @param bank the bank whose tokens, of every scope, are dropped
     */
    public void invalidate(Bkcode bank) {
        for (TokenSlot slot : registry.all()) {
            if (slot.bankCode().equals(bank)) {
                slot.failure = null;
                slot.nextBackgroundNanos = clock.nanoTime();
                evict(slot, slot.current);
            }
        }
    }

    /**
     * Forgets {@code token} if it is still the cached one (compare-and-evict: a newer token another thread
     * already fetched is kept). The token knows its slot by the scope it was asked for, whatever the bank granted.
     *
     * @param token the token the bank rejected, as it was handed out (compared by identity)
     * @return true if it was evicted; false if it was no longer cached
     */
    public boolean invalidate(AccessToken token) {
        TokenSlot slot = registry.existing(token.bank(), token.requestedScope());
        CachedToken cached = slot == null ? null : slot.current;
        if (cached != null && cached.token == token && evict(slot, cached)) {
            slot.invalidTokenRecoveries.increment();
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Monitoring

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
                    startBackground(current, cached, now);
                }
                return hit(current, cached);
            }
            Flight flight = joinOrStart(current, now, true);
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
                    startBackground(current, cached, now);
                }
                return CompletableFuture.completedFuture(hit(current, cached));
            }
            Flight flight;
            try {
                flight = joinOrStart(current, now, false);
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

    /**
     * The in-flight request of the slot, started if there is none and nothing forbids it (a failure being
     * replayed, an open circuit, the request gate); null if the slot has been retired.
     *
     * @param inline start the request on this thread (it only sends; the answer arrives asynchronously)
     */
    private Flight joinOrStart(TokenSlot slot, long now, boolean inline) {
        while (true) {
            Flight running = slot.flight;
            if (running == Flight.RETIRED) {
                return null;
            }
            if (running != null) {
                return running;
            }
            TokenSlot.Failure replayed = slot.failureAt(now);
            if (replayed != null) {
                slot.backoffRefusals.increment();
                throw replayed.error().replay();
            }
            BankCircuit circuit = slot.bank.circuit;
            if (circuit.refusesAt(now) || !circuit.tryAcquire(now)) {
                slot.circuitRefusals.increment();
                throw circuit.refusal(slot.bk(), now);
            }
            Flight mine = new Flight(now, false, epoch);
            mine.holdsCircuit = true;
            try {
                gate.check(slot.bankCode(), slot.scope());
            } catch (RuntimeException e) {
                circuit.release();
                throw e;
            }
            if (!slot.casFlight(null, mine)) {
                circuit.release();
                continue;
            }
            // A request may have completed between the caller's read and winning the slot: use its token.
            CachedToken installed = slot.current;
            if (installed != null && installed.usableAt(clock.nanoTime())) {
                settle(slot, mine, Outcome.success(installed), now, false);
                return mine;
            }
            if (inline) {
                attempt(slot, mine, 1);
            } else {
                handOffOrSettle(slot, mine, () -> attempt(slot, mine, 1));
            }
            return mine;
        }
    }

    /**
     * Starts the one background refresh of {@code stale}, unless one is running, its back-off has not passed,
     * the circuit refuses or the gate does.
     *
     * @return true if a refresh of {@code stale} is under way (started now or before)
     */
    private boolean startBackground(TokenSlot slot, CachedToken stale, long now) {
        Flight running = slot.flight;
        if (running != null) {
            return running != Flight.RETIRED;
        }
        if (now - slot.nextBackgroundNanos < 0) {
            return false;
        }
        BankCircuit circuit = slot.bank.circuit;
        // An open circuit means the bank is down: keep serving the valid token, try again later.
        if (circuit.refusesAt(now) || !circuit.tryAcquire(now)) {
            return false;
        }
        try {
            gate.check(slot.bankCode(), slot.scope());
        } catch (RuntimeException e) {
            circuit.release();
            LOG.fine(() -> "bank " + slot.bk() + ": refresh of scope " + slot.scope() + " refused: " + e.getMessage());
            return false;
        }
        Flight mine = new Flight(now, true, epoch);
        mine.holdsCircuit = true;
        if (!slot.casFlight(null, mine)) {
            circuit.release();
            return true;
        }
        // A caller that read the stale token before a refresh finished must not start another one: only the
        // token still current may be refreshed.
        CachedToken current = slot.current;
        if (current != stale && current != null && current.usableAt(now)) {
            settle(slot, mine, Outcome.success(current), now, false);
            return true;
        }
        slot.backgroundRefreshes++;
        handOffOrSettle(slot, mine, () -> attempt(slot, mine, 1));
        return true;
    }

    /** Sends attempt {@code attempt} of the flight; its answer is handled by {@link #onReply}. */
    private void attempt(TokenSlot slot, Flight flight, int attempt) {
        long sentNanos = 0;
        Instant sentAt = null;
        CompletableFuture<HttpReply> reply;
        try {
            sentNanos = clock.nanoTime();
            sentAt = clock.now();
            slot.requests++;
            reply = endpoint.send(slot.endpoints, slot.scope());
        } catch (Throwable t) {
            onReply(slot, flight, attempt, sentNanos, sentAt, null, t);
            return;
        }
        long sent = sentNanos;
        Instant at = sentAt;
        if (reply.isDone()) {
            Throwable failed = failureOf(reply);
            onReply(slot, flight, attempt, sent, at, failed == null ? reply.join() : null, failed);
            return;
        }
        // A seam that never answers must not hold the slot for ever: the timer ends the attempt.
        try {
            timer.schedule(() -> reply.completeExceptionally(new BankUnreachableException(slot.endpoints
                    .tokenEndpoint().getHost(), "no answer within " + resilience.attemptTimeout().toMillis()
                    + " ms (the attempt's bound)", null)), Nanos.of(resilience.attemptTimeout()));
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the timer refused the attempt bound", e);
        }
        // The HTTP client completes the reply on its own thread: our work goes to the I/O executor.
        reply.whenComplete((r, e) -> handOffOrRun(() -> onReply(slot, flight, attempt, sent, at, r, e)));
    }

    private void onReply(TokenSlot slot, Flight flight, int attempt, long sentNanos, Instant sentAt, HttpReply reply,
            Throwable thrown) {
        Outcome outcome = null;
        try {
            if (thrown != null) {
                throw unwrap(thrown);
            }
            AccessToken token = endpoint.read(slot.endpoints, slot.scope(), reply, sentAt);
            if (flight.epoch != epoch) {
                // The credentials changed while the request was in flight: its token must not be installed.
                if (flight.restarts++ < MAX_EPOCH_RESTARTS) {
                    flight.epoch = epoch;
                    LOG.fine(() -> "bank " + slot.bk() + ": credentials changed during the token request; sent again");
                    handOffOrSettle(slot, flight, () -> attempt(slot, flight, attempt));
                    return;
                }
                throw new BankUnreachableException(slot.endpoints.tokenEndpoint().getHost(), "the QWAC changed "
                        + MAX_EPOCH_RESTARTS + " times while the token request was in flight; try again", null);
            }
            CachedToken cached = CachedToken.of(token, sentNanos, policy, flight.epoch);
            install(slot, cached);
            outcome = Outcome.success(cached);
        } catch (BankTokenException e) {
            long delay = retries.retryDelayNanos(e, attempt, flight.startNanos, clock.nanoTime());
            if (delay >= 0 && scheduleRetry(slot, flight, attempt, delay, e)) {
                return;
            }
            outcome = Outcome.failure(e);
        } catch (Throwable t) {
            // Not one of ours (a bug, a binding that threw): reported as it is, but never leaves waiters hanging.
            outcome = Outcome.failure(t);
        } finally {
            if (outcome != null) {
                settle(slot, flight, outcome, sentNanos, true);
            }
        }
    }

    private boolean scheduleRetry(TokenSlot slot, Flight flight, int attempt, long delay, BankTokenException e) {
        try {
            timer.schedule(() -> handOffOrSettle(slot, flight, () -> attempt(slot, flight, attempt + 1)), delay);
        } catch (RuntimeException rejected) {
            return false;
        }
        LOG.fine(() -> "token request to bank " + slot.bk() + " failed (" + e.getClass().getSimpleName()
                + "); attempt " + (attempt + 1) + " in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        return true;
    }

    /**
     * Ends a request: records its outcome, then — whatever that throws — clears the slot's flight, gives back the
     * circuit's permit and completes the callers' future. The only place a flight ends.
     */
    private void settle(TokenSlot slot, Flight flight, Outcome outcome, long sentNanos, boolean sent) {
        boolean reported = false;
        try {
            long now = clock.nanoTime();
            if (outcome.cached != null) {
                if (sent) {
                    slot.failure = null;
                    slot.consecutiveFailures = 0;
                    slot.nextBackgroundNanos = now;
                    slot.lastSuccessNanos = sentNanos;
                    slot.succeeded = true;
                    slot.bank.circuit.success();
                    reported = true;
                    long nanos = now - sentNanos;
                    LOG.fine(() -> "token obtained from bank " + slot.bk() + " for scope " + slot.scope() + " in "
                            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms" + (flight.background ? " (background)" : "")
                            + ", lifetime " + outcome.cached.token.lifetime().getSeconds() + " s");
                    metrics.requestCompleted(slot.bk(), "success", nanos, flight.background);
                }
            } else {
                BankTokenException typed = outcome.error instanceof BankTokenException b ? b : null;
                if (typed != null && RetryPolicy.countsAgainstBank(typed)) {
                    slot.bank.circuit.failure(typed, now);
                    reported = true;
                }
                recordFailure(slot, typed, flight.background, now, sentNanos);
                metrics.requestCompleted(slot.bk(), outcome.error.getClass().getSimpleName(), now - sentNanos,
                        flight.background);
            }
        } catch (Throwable t) {
            LOG.log(Level.FINE, "recording the outcome of a token request failed", t);
        } finally {
            if (flight.holdsCircuit && !reported) {
                slot.bank.circuit.release();
            }
            slot.casFlight(flight, null);
            if (outcome.cached != null) {
                flight.future.complete(outcome.cached);
            } else {
                flight.future.completeExceptionally(outcome.error);
                if (slot.keepWarm) {
                    retryWarmLater(slot);
                }
            }
        }
    }

    private void recordFailure(TokenSlot slot, BankTokenException e, boolean background, long now, long sentNanos) {
        slot.failures++;
        slot.lastFailure = e;
        slot.lastFailureNanos = now;
        long replay = e == null ? 0 : retries.replayNanos(e);
        slot.failure = e != null && replay > 0 ? new TokenSlot.Failure(e, Nanos.at(now, replay)) : null;
        int n = Math.min(slot.consecutiveFailures + 1, 16);
        slot.consecutiveFailures = n;
        slot.nextBackgroundNanos = Nanos.at(now, retries.backgroundBackoffNanos(n, replay));
        CachedToken current = slot.current;
        if (background && current != null) {
            // The token the refresh was for leaves the fast path: callers check the clock again and retry the
            // refresh after the back-off.
            current.endFastPath();
        }
        LOG.fine(() -> "token request to bank " + slot.bk() + " failed after "
                + TimeUnit.NANOSECONDS.toMillis(now - sentNanos) + " ms"
                + (background ? " (background refresh; the current token stays)" : "") + ": "
                + (e == null ? "unexpected error" : e.getClass().getSimpleName()));
    }

    /** Installs a new token and gives its three points to the timer. */
    private void install(TokenSlot slot, CachedToken cached) {
        // The predecessor keeps its mode: it is still valid, and a caller that read it just before this swap must
        // not be sent down the slow path (its own timer tasks retire it).
        slot.current = cached;
        long now = clock.nanoTime();
        try {
            timer.schedule(() -> handOffOrRun(() -> onStale(slot, cached)), cached.staleAtNanos - now);
            timer.schedule(cached::endFastPath, cached.fastUntilNanos - now);
            timer.schedule(() -> {
                cached.endFastPath();
                handOffOrRun(() -> onDrop(slot, cached));
            }, cached.dropAtNanos - now);
        } catch (RuntimeException e) {
            // Without a timer nothing would end the fast path: callers check the clock from the start instead.
            cached.endFastPath();
            LOG.log(Level.FINE, "the timer refused a token's deadlines; its callers check the clock", e);
        }
    }

    /** The stale point: refresh the token if it was used (or is kept warm); leave an idle one to lapse. */
    private void onStale(TokenSlot slot, CachedToken cached) {
        if (slot.current != cached) {
            return;
        }
        if (!cached.used() && !slot.keepWarm) {
            LOG.finer(() -> "bank " + slot.bk() + ", scope " + slot.scope() + ": token unused, not refreshed");
            return;
        }
        if (!startBackground(slot, cached, clock.nanoTime())) {
            cached.endFastPath();
            if (slot.keepWarm) {
                retryWarmLater(slot);
            }
        }
    }

    /**
     * The drop point: a token nobody kept alive leaves, and its slot with it, unless it is kept warm, a request
     * is running, or its last request failed (the failure stays visible to monitoring until the next success).
     */
    private void onDrop(TokenSlot slot, CachedToken cached) {
        boolean lastRequestFailed = slot.lastFailure != null && slot.lastFailureNanos - slot.lastSuccessNanos > 0;
        if (slot.current != cached || slot.keepWarm || lastRequestFailed) {
            return;
        }
        if (slot.casFlight(null, Flight.RETIRED)) {
            slot.current = null;
            if (registry.remove(slot)) {
                metrics.slotRemoved(slot.bk(), slot.scope().value());
            }
        }
    }

    private void warmTick(TokenSlot slot) {
        long now = clock.nanoTime();
        CachedToken cached = slot.current;
        if (cached != null && cached.usableAt(now)) {
            if (cached.staleAt(now) && !startBackground(slot, cached, now)) {
                retryWarmLater(slot);
            }
            return;
        }
        try {
            // A failure of the request started here schedules the next try itself (see settle).
            joinOrStart(slot, now, false);
        } catch (RuntimeException e) {
            LOG.fine(() -> "bank " + slot.bk() + ": warm token not obtained yet (" + e.getClass().getSimpleName()
                    + "); tried again with back-off");
            retryWarmLater(slot);
        }
    }

    private void retryWarmLater(TokenSlot slot) {
        long delay = Math.max(slot.nextBackgroundNanos - clock.nanoTime(), RetryPolicy.MIN_BACKGROUND_BACKOFF_NANOS);
        TokenSlot.Failure replayed = slot.failure;
        if (replayed != null) {
            delay = Math.max(delay, replayed.untilNanos() - clock.nanoTime());
        }
        try {
            timer.schedule(() -> handOffOrRun(() -> warmTick(slot)), delay);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the timer refused a warm-up retry", e);
        }
    }

    private static boolean evict(TokenSlot slot, CachedToken cached) {
        if (cached != null && slot.casCurrent(cached, null)) {
            cached.endFastPath();
            return true;
        }
        return false;
    }

    private AccessToken await(TokenSlot slot, Flight flight, long now) {
        BankState bank = slot.bank;
        int waitingNow = bank.waiting.incrementAndGet();
        try {
            int max = resilience.maxWaitingCallers();
            long inFlight = now - flight.startNanos;
            // The bound protects threads from a slow bank, not from a crowd: a young request fails nobody.
            if (max > 0 && waitingNow > max && inFlight >= Nanos.of(resilience.slowBankThreshold())) {
                slot.busyRefusals.increment();
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
        Throwable cause = unwrap(e);
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

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /** Runs {@code task} on the I/O executor; if it refuses (the application is stopping), here. */
    private void handOffOrRun(Runnable task) {
        try {
            io.execute(task);
        } catch (RuntimeException e) {
            task.run();
        }
    }

    private void handOff(Runnable task) {
        try {
            io.execute(task);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the I/O executor refused work; is the application stopping?", e);
        }
    }

    /** Runs an attempt on the I/O executor; if it refuses, the flight fails rather than hangs. */
    private void handOffOrSettle(TokenSlot slot, Flight flight, Runnable task) {
        try {
            io.execute(task);
        } catch (RuntimeException e) {
            settle(slot, flight, Outcome.failure(new BankUnreachableException(slot.endpoints.tokenEndpoint()
                    .getHost(), "the I/O executor refused the token request (" + e.getClass().getSimpleName()
                    + "); is the application stopping?", e)), clock.nanoTime(), false);
        }
    }

    private TokenMetrics.SlotCounters counters(TokenSlot slot) {
        return new TokenMetrics.SlotCounters() {
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
                return slot.invalidTokenRecoveries.sum();
            }

            @Override
            public long busyRefusals() {
                return slot.busyRefusals.sum();
            }

            @Override
            public long circuitRefusals() {
                return slot.circuitRefusals.sum();
            }

            @Override
            public long backoffRefusals() {
                return slot.backoffRefusals.sum();
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
        };
    }

    /** How a request ended: a token, or an error (typed, or a bug reported as it is). */
    private record Outcome(CachedToken cached, Throwable error) {
        static Outcome success(CachedToken cached) {
            return new Outcome(cached, null);
        }

        static Outcome failure(Throwable error) {
            return new Outcome(null, error);
        }
    }

    /** Builds a {@link TokenManager}; one constructor, every collaborator named. */
    public static final class Builder {

        private BankRegistry banks;
        private Supplier<String> clientId = () -> null;
        private BankHttp http;
        private Jsonb jsonb;
        private TokenTimer timer;
        private Executor io;
        private TokenClock clock = TokenClock.system();
        private TokenPolicy policy = TokenPolicy.DEFAULT;
        private Resilience resilience = Resilience.DEFAULT;
        private ScopeRules scopes = ScopeRules.DEFAULT;
        private TokenMetrics metrics = TokenMetrics.NONE;
        private RequestGate gate = RequestGate.OPEN;
        private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

        private Builder() {
        }

        /**
         * @param banks where each bank is reached, behind the directory's guard; required
         * @return this builder
         */
        public Builder banks(BankRegistry banks) {
            this.banks = banks;
            return this;
        }

        /**
         * @param clientId the TPP's client_id, or {@code null} when unknown (requests then fail saying so)
         * @return this builder
         */
        public Builder clientId(String clientId) {
            this.clientId = () -> clientId;
            return this;
        }

        /**
         * @param clientId gives the client_id when a request is built; returns {@code null} or throws a typed
         *        error while none is known
         * @return this builder
         */
        public Builder clientId(Supplier<String> clientId) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            return this;
        }

        /**
         * @param http the asynchronous HTTP seam to the banks; required
         * @return this builder
         */
        public Builder http(BankHttp http) {
            this.http = http;
            return this;
        }

        /**
         * @param jsonb reads token responses (thread-safe, shared); required
         * @return this builder
         */
        public Builder jsonb(Jsonb jsonb) {
            this.jsonb = jsonb;
            return this;
        }

        /**
         * @param timer runs the timer duties and nothing else; required
         * @return this builder
         */
        public Builder timer(TokenTimer timer) {
            this.timer = timer;
            return this;
        }

        /**
         * @param io runs request starts, answers and warm-ups; required
         * @return this builder
         */
        public Builder io(Executor io) {
            this.io = io;
            return this;
        }

        /**
         * @param clock the time source (default: the JVM's)
         * @return this builder
         */
        public Builder clock(TokenClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * @param policy lifetimes, margins, waits and back-off (default {@link TokenPolicy#DEFAULT})
         * @return this builder
         */
        public Builder policy(TokenPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param resilience retries, circuit breaker, waiting callers (default {@link Resilience#DEFAULT})
         * @return this builder
         */
        public Builder resilience(Resilience resilience) {
            this.resilience = Objects.requireNonNull(resilience, "resilience");
            return this;
        }

        /**
         * @param scopes which scopes callers may ask for (default {@link ScopeRules#DEFAULT})
         * @return this builder
         */
        public Builder scopes(ScopeRules scopes) {
            this.scopes = Objects.requireNonNull(scopes, "scopes");
            return this;
        }

        /**
         * @param metrics where requests, outcomes and slot counters are reported (default none)
         * @return this builder
         */
        public Builder metrics(TokenMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * @param gate checked before any request (default: lets everything through)
         * @return this builder
         */
        public Builder gate(RequestGate gate) {
            this.gate = Objects.requireNonNull(gate, "gate");
            return this;
        }

        /**
         * @param jitter random numbers in [0, 1) for retry jitter (default {@link ThreadLocalRandom}); tests seed it
         * @return this builder
         */
        public Builder jitter(DoubleSupplier jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /**
         * @return the token manager
         * @throws NullPointerException naming a required collaborator that is missing
         */
        public TokenManager build() {
            return new TokenManager(this);
        }
    }
}
