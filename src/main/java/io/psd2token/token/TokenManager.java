package io.psd2token.token;

import io.psd2token.BankTokenException;
import io.psd2token.ConfigurationException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.BankRegistry;
import io.psd2token.bank.RequestStyle;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.http.BankHttp;
import io.psd2token.http.BankUnreachableException;
import io.psd2token.http.HttpReply;
import io.psd2token.http.ResponseTooLargeException;
import io.psd2token.http.TlsHandshakeException;
import jakarta.json.bind.Jsonb;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Obtains client-credentials tokens from banks and keeps one per (bank, scope) fresh.
 *
 * <p>The life of a token (see {@link TokenPolicy}): <b>fresh</b> — handed out with two volatile reads and
 * no clock read; <b>stale</b> — a scheduled task, not a caller, starts the one background request for its
 * successor, and callers keep getting it on the same fast path until the successor replaces it (they fall
 * back to checking the clock only if the refresh fails or has not landed half-way through the stale
 * window); <b>expired</b> — never handed out: callers wait, all on the same request (single-flight), for at
 * most the wait timeout.
 *
 * <p>Failures: a failed background refresh keeps the still-valid token and is retried with exponential
 * back-off; a failed blocking request fails all its waiters with the same typed error, and for the failure
 * back-off later callers get that error without a new request. Nothing failed is ever cached as a token.
 *
 * <p>Plain Java with its collaborators passed in, so it is tested without a server;
 * {@link io.psd2token.BankTokens} is its CDI face. Thread-safe.
 */
public final class TokenManager {

    private static final Logger LOG = Logger.getLogger(TokenManager.class.getName());
    private static final long MAX_RETRY_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final BankRegistry banks;
    private final String clientId;
    private final BankHttp http;
    private final TokenClock clock;
    private final TokenPolicy policy;
    private final TokenScheduler scheduler;
    private final Resilience resilience;
    private final TokenMetrics metrics;
    private final boolean countHits;
    private final TokenResponseParser parser;
    private final Map<Bkcode, BankCircuit> circuits = new ConcurrentHashMap<>();
    private final Map<Bkcode, AtomicInteger> waiting = new ConcurrentHashMap<>();

    // Slots are created once per (bank, scope) and never removed; the two string-keyed maps let the hot
    // path find a slot from the caller's own strings without parsing or allocating.
    private final Map<SlotKey, TokenSlot> slots = new ConcurrentHashMap<>();
    private final Map<String, TokenSlot> defaultSlots = new ConcurrentHashMap<>();
    private final Map<String, Map<String, TokenSlot>> scopedSlots = new ConcurrentHashMap<>();

    /**
     * @param banks where each bank is reached
     * @param clientId the TPP's client_id, or {@code null} when not configured (every request then fails
     *        with a message saying so)
     * @param http the HTTP seam to the banks
     * @param clock the time source
     * @param policy lifetimes, margins, waits and back-off
     * @param jsonb the JSON-B instance used to read responses (thread-safe, shared)
     * @param scheduler runs state changes and background refreshes
     */
    public TokenManager(BankRegistry banks, String clientId, BankHttp http, TokenClock clock, TokenPolicy policy,
            Jsonb jsonb, TokenScheduler scheduler) {
        this(banks, clientId, http, clock, policy, jsonb, scheduler, Resilience.NONE);
    }

    /**
     * As {@link #TokenManager(BankRegistry, String, BankHttp, TokenClock, TokenPolicy, Jsonb, TokenScheduler)},
     * with retries, a circuit breaker per bank and a bound on waiting callers.
     *
     * @param banks where each bank is reached
     * @param clientId the TPP's client_id, or {@code null} when not configured (every request then fails
     *        with a message saying so)
     * @param http the HTTP seam to the banks
     * @param clock the time source
     * @param policy lifetimes, margins, waits and back-off
     * @param jsonb the JSON-B instance used to read responses (thread-safe, shared)
     * @param scheduler runs state changes and background refreshes
     * @param resilience how to cope with a failing bank
     */
    public TokenManager(BankRegistry banks, String clientId, BankHttp http, TokenClock clock, TokenPolicy policy,
            Jsonb jsonb, TokenScheduler scheduler, Resilience resilience) {
        this(banks, clientId, http, clock, policy, jsonb, scheduler, resilience, TokenMetrics.NONE);
    }

    /**
     * As the constructor without metrics, reporting to {@code metrics}.
     *
     * @param banks where each bank is reached
     * @param clientId the TPP's client_id, or {@code null} when not configured
     * @param http the HTTP seam to the banks
     * @param clock the time source
     * @param policy lifetimes, margins, waits and back-off
     * @param jsonb the JSON-B instance used to read responses
     * @param scheduler runs state changes and background refreshes
     * @param resilience how to cope with a failing bank
     * @param metrics where to report requests, outcomes and slot counters
     */
    public TokenManager(BankRegistry banks, String clientId, BankHttp http, TokenClock clock, TokenPolicy policy,
            Jsonb jsonb, TokenScheduler scheduler, Resilience resilience, TokenMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.countHits = metrics.countsHits();
        this.resilience = Objects.requireNonNull(resilience, "resilience");
        this.banks = Objects.requireNonNull(banks, "banks");
        this.clientId = clientId;
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.parser = new TokenResponseParser(Objects.requireNonNull(jsonb, "jsonb"), policy);
    }

    /**
     * A valid token of the bank for its default scope.
     *
     * @param bkcode the bank's five-digit code; checked (and its endpoint resolved) on first use only
     * @return the cached token while it is fresh or stale, otherwise a new one from the single shared request
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode) {
        TokenSlot slot = defaultSlots.get(bkcode);
        return tokenFrom(slot != null ? slot : defaultSlot(bkcode));
    }

    /**
     * A valid token of the bank for the given space-separated scope; see {@link #token(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated roles, e.g. {@code "aisp"}; order and repeated spaces do not matter
     * @return the cached token of that bank and scope while usable, otherwise a new one
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(String bkcode, String scope) {
        return tokenFrom(scopedSlot(bkcode, scope));
    }

    /**
     * A valid token of the bank for its default scope.
     *
     * @param bank the bank, its code already validated
     * @return the same token as {@link #token(String)} with the code's text
     * @throws BankTokenException a subtype naming the cause when no token can be had
     */
    public AccessToken token(Bkcode bank) {
        return token(bank.value());
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
        return tokenFrom(slot(bank, scope));
    }

    /**
     * The token without blocking the caller: completed at once while a usable token is cached, otherwise
     * when the (shared) request completes on the scheduler; fails with the same typed errors.
     *
     * @param bkcode the bank's five-digit code
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code is malformed or unknown
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode) {
        return tokenAsync(slotFor(bkcode, null));
    }

    /**
     * The token of the bank for the scope, without blocking; see {@link #tokenAsync(String)}.
     *
     * @param bkcode the bank's five-digit code
     * @param scope space-separated roles, e.g. {@code "aisp"}
     * @return a stage completed with the token, or completed exceptionally with a {@link BankTokenException}
     * @throws BankTokenException at once, not through the stage, when the bank code is malformed or unknown or
     *         the scope is invalid
     */
    public CompletionStage<AccessToken> tokenAsync(String bkcode, String scope) {
        return tokenAsync(slotFor(bkcode, scope));
    }

    /**
     * Calls the bank's API with a token, and once more with a new token if the API rejects the first one
     * as invalid (HTTP 403 "Invalid token", e.g. because it expired or was revoked early).
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

    /** Forgets every cached token of every bank, e.g. after the QWAC they were obtained with was replaced. */
    public void invalidateAll() {
        slots.values().forEach(slot -> evict(slot, slot.current.get()));
    }

    /**
     * Forgets every cached token of the bank; the next call fetches a new one.
     *
     * @param bank the bank whose tokens, of every scope, are dropped
     */
    public void invalidate(Bkcode bank) {
        slots.forEach((key, slot) -> {
            if (key.bank().equals(bank)) {
                evict(slot, slot.current.get());
            }
        });
    }

    /**
     * Forgets {@code token} if it is still the cached one (compare-and-evict: a newer token that another
     * thread already fetched is kept).
     *
     * @param token the token the bank rejected, as it was handed out (compared by identity)
     * @return true if it was evicted; false if it was no longer cached
     */
    public boolean invalidate(AccessToken token) {
        TokenSlot slot = slots.get(new SlotKey(token.bank(), token.scope()));
        if (slot == null) {
            // The bank may have granted another scope than the one asked for: look for the token itself.
            for (TokenSlot candidate : slots.values()) {
                CachedToken cached = candidate.current.get();
                if (cached != null && cached.token == token) {
                    return evict(candidate, cached);
                }
            }
            return false;
        }
        CachedToken cached = slot.current.get();
        boolean evicted = cached != null && cached.token == token && evict(slot, cached);
        if (evicted) {
            slot.invalidTokenRecoveries.increment();
        }
        return evicted;
    }

    /**
     * The state of every slot, for monitoring; never contains a token.
     *
     * @return one snapshot per (bank, scope) asked for since start, read now; a new list on each call
     */
    public List<TokenState> states() {
        long now = clock.nanoTime();
        List<TokenState> states = new ArrayList<>();
        for (TokenSlot slot : slots.values()) {
            CachedToken cached = slot.current.get();
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
                    expiresIn = Duration.ofNanos(cached.expireAtNanos - now);
                    phase = cached.fresh && !cached.staleAt(now) ? TokenState.Phase.FRESH : TokenState.Phase.STALE;
                }
            }
            BankTokenException failure = slot.lastFailure;
            long lastSuccess = slot.lastSuccessNanos;
            states.add(new TokenState(slot.endpoints.bank().value(), slot.scope.value(), phase, age, expiresIn,
                    slot.requests, slot.backgroundRefreshes, slot.failures, Optional.ofNullable(failure)
                            .map(f -> f.getClass().getSimpleName() + ": " + f.getMessage()),
                    slot.succeeded ? Optional.of(Duration.ofNanos(now - lastSuccess)) : Optional.empty(),
                    circuit(slot).state().name()));
        }
        return states;
    }

    // The hot path: a map lookup and two volatile reads while the token is fresh; no clock, no allocation.
    private AccessToken tokenFrom(TokenSlot slot) {
        CachedToken cached = slot.current.get();
        if (cached != null && cached.fresh) {
            if (countHits) {
                slot.hits.increment();
            }
            return cached.token;
        }
        return slowToken(slot, cached);
    }

    private AccessToken slowToken(TokenSlot slot, CachedToken cached) {
        long now = clock.nanoTime();
        if (cached != null && cached.usableAt(now)) {
            // Stale with its refresh failed or overdue: serve it, and retry the refresh behind it (with back-off).
            refreshInBackground(slot, now, cached);
            if (countHits) {
                slot.hits.increment();
            }
            return cached.token;
        }
        Bkcode bank = slot.endpoints.bank();
        AtomicInteger waiters = waiting.computeIfAbsent(bank, b -> new AtomicInteger());
        int waitingNow = waiters.incrementAndGet();
        try {
            int max = resilience.maxWaitingCallers();
            if (max > 0 && waitingNow > max) {
                throw new BankBusyException(bank.value(), waitingNow - 1);
            }
            return await(slot, requestOrJoin(slot, now, true));
        } finally {
            waiters.decrementAndGet();
        }
    }

    private CompletionStage<AccessToken> tokenAsync(TokenSlot slot) {
        CachedToken cached = slot.current.get();
        if (cached != null && cached.fresh) {
            return CompletableFuture.completedFuture(cached.token);
        }
        long now = clock.nanoTime();
        if (cached != null && cached.usableAt(now)) {
            refreshInBackground(slot, now, cached);
            return CompletableFuture.completedFuture(cached.token);
        }
        CompletableFuture<CachedToken> request;
        try {
            request = requestOrJoin(slot, now, false);
        } catch (BankTokenException e) {
            return CompletableFuture.failedFuture(e);
        }
        String bank = slot.endpoints.bank().value();
        Duration wait = policy.waitTimeout();
        return request.thenApply(c -> c.token)
                .orTimeout(wait.toNanos(), TimeUnit.NANOSECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(unwrapForAsync(e, bank, wait)));
    }

    /**
     * The in-flight request of the slot, started if there is none. A caller that starts it runs it on its
     * own thread when {@code inline}, otherwise on the scheduler.
     */
    private CompletableFuture<CachedToken> requestOrJoin(TokenSlot slot, long now, boolean inline) {
        while (true) {
            CompletableFuture<CachedToken> running = slot.inFlight.get();
            if (running != null) {
                return running;
            }
            BankTokenException recent = slot.recentFailure(now, slot.failureBackoffNanos);
            if (recent != null) {
                throw recent;
            }
            CircuitOpenException open = circuit(slot).allow(slot.endpoints.bank().value(), now);
            if (open != null) {
                throw open;
            }
            CompletableFuture<CachedToken> mine = new CompletableFuture<>();
            if (!slot.inFlight.compareAndSet(null, mine)) {
                circuit(slot).release();
                continue;
            }
            // A request may have completed between the caller's read and winning the slot: use its token.
            CachedToken installed = slot.current.get();
            if (installed != null && installed.usableAt(clock.nanoTime())) {
                circuit(slot).release();
                mine.complete(installed);
                slot.inFlight.compareAndSet(mine, null);
                return mine;
            }
            if (inline) {
                request(slot, mine, false, 1, now);
            } else {
                submit(slot, mine, false);
            }
            return mine;
        }
    }

    /**
     * Starts the one background refresh of {@code stale} unless one is running, the back-off after a failed
     * refresh has not passed, or the bank's circuit is open.
     *
     * @return true if a refresh of {@code stale} is under way (started now or before)
     */
    private boolean refreshInBackground(TokenSlot slot, long now, CachedToken stale) {
        if (slot.inFlight.get() != null) {
            return true;
        }
        if (now - slot.nextBackgroundAttemptNanos < 0) {
            return false;
        }
        // An open circuit means the bank is down: keep serving the valid token, try again later.
        if (circuit(slot).allow(slot.endpoints.bank().value(), now) != null) {
            return false;
        }
        CompletableFuture<CachedToken> mine = new CompletableFuture<>();
        if (!slot.inFlight.compareAndSet(null, mine)) {
            circuit(slot).release();
            return true;
        }
        // A caller that read the stale token before a refresh finished must not start another one: only the
        // token still current may be refreshed (found by the storm benchmark, replayed by RefreshRaceCheck).
        CachedToken current = slot.current.get();
        if (current != stale && current != null && current.usableAt(clock.nanoTime())) {
            circuit(slot).release();
            // Anyone who joined meanwhile gets the token already there.
            mine.complete(current);
            slot.inFlight.compareAndSet(mine, null);
            return true;
        }
        submit(slot, mine, true);
        return true;
    }

    /**
     * Runs at the token's stale point: starts its refresh and leaves it fresh, so callers keep the hot path
     * until the successor replaces it. If no refresh can start, or none has landed by the guard deadline,
     * callers go back to checking the clock against the exact expiry.
     */
    private void turnStale(TokenSlot slot, CachedToken cached) {
        if (slot.current.get() != cached) {
            return;
        }
        long now = clock.nanoTime();
        if (!refreshInBackground(slot, now, cached)) {
            cached.fresh = false;
            return;
        }
        long untilGuard = cached.guardAtNanos - now;
        if (untilGuard <= 0) {
            cached.fresh = false;
        } else {
            scheduler.schedule(() -> cached.fresh = false, untilGuard);
        }
    }

    private void submit(TokenSlot slot, CompletableFuture<CachedToken> future, boolean background) {
        try {
            scheduler.execute(() -> request(slot, future, background, 1, clock.nanoTime()));
        } catch (RejectedExecutionException e) {
            slot.inFlight.compareAndSet(future, null);
            future.completeExceptionally(new ConfigurationException(slot.endpoints.bank().value(),
                    "the token scheduler refused work (" + e.getMessage() + "); is the application stopping?"));
        }
    }

    /**
     * Sends one token request (attempt {@code attempt} of the in-flight request started at {@code startNanos})
     * and settles {@code future}, or schedules the next attempt; the only place that writes a slot's token.
     */
    private void request(TokenSlot slot, CompletableFuture<CachedToken> future, boolean background, int attempt,
            long startNanos) {
        long sentNanos = clock.nanoTime();
        String bank = slot.endpoints.bank().value();
        try {
            slot.requests++;
            if (background && attempt == 1) {
                slot.backgroundRefreshes++;
            }
            CachedToken fetched = fetch(slot, sentNanos);
            install(slot, fetched);
            slot.lastFailure = null;
            slot.consecutiveFailures = 0;
            slot.nextBackgroundAttemptNanos = sentNanos;
            slot.lastSuccessNanos = sentNanos;
            slot.succeeded = true;
            circuit(slot).success();
            LOG.fine(() -> "token obtained from bank " + bank + " for scope " + slot.scope + " in "
                    + millisSince(sentNanos) + " ms" + (background ? " (background refresh)" : "")
                    + (attempt > 1 ? " at attempt " + attempt : "")
                    + ", lifetime " + fetched.token.lifetime().getSeconds() + " s");
            metrics.requestCompleted(bank, "success", clock.nanoTime() - sentNanos, background);
            settle(slot, future, fetched, null);
        } catch (BankTokenException e) {
            long now = clock.nanoTime();
            long delay = retryDelayNanos(e, attempt, startNanos, now);
            if (delay >= 0) {
                LOG.fine(() -> "token request to bank " + bank + " failed (" + e.getClass().getSimpleName()
                        + "); attempt " + (attempt + 1) + " in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
                scheduler.schedule(() -> request(slot, future, background, attempt + 1, startNanos), delay);
                return;
            }
            if (countsAgainstBank(e)) {
                circuit(slot).failure(e, now);
            } else {
                circuit(slot).release();
            }
            recordFailure(slot, e, background, sentNanos);
            metrics.requestCompleted(bank, e.getClass().getSimpleName(), clock.nanoTime() - sentNanos, background);
            settle(slot, future, null, e);
        } catch (RuntimeException | Error e) {
            // Not one of ours (a bug or a JVM error): report it as it is, but never leave waiters hanging.
            circuit(slot).release();
            recordFailure(slot, null, background, sentNanos);
            settle(slot, future, null, e);
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    private static void settle(TokenSlot slot, CompletableFuture<CachedToken> future, CachedToken token, Throwable e) {
        if (e == null) {
            future.complete(token);
        } else {
            future.completeExceptionally(e);
        }
        slot.inFlight.compareAndSet(future, null);
    }

    /**
     * The delay before the next attempt, or -1 for none: only I/O errors, 5xx and 429 are retried, with
     * exponential back-off and jitter, within the attempts and the callers' wait time.
     */
    private long retryDelayNanos(BankTokenException e, int attempt, long startNanos, long nowNanos) {
        if (attempt >= resilience.maxAttempts() || !isTransient(e)) {
            return -1;
        }
        long base = resilience.retryDelay().toNanos() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, resilience.maxRetryDelay().toNanos());
        // Full jitter on the upper half: spreads the retries of many TPP nodes without ever retrying at once.
        long delay = capped / 2 + (long) (ThreadLocalRandom.current().nextDouble() * (capped / 2 + 1));
        if (e instanceof TokenRequestRejectedException r && r.retryAfter().isPresent()) {
            long asked = r.retryAfter().get().toNanos();
            if (asked > resilience.maxRetryDelay().toNanos()) {
                // Longer than we retry for: fail now; the slot's back-off then honours the bank's wish.
                return -1;
            }
            delay = Math.max(delay, asked);
        }
        // The next attempt must be able to finish (send, wait, diagnose) before the callers stop waiting.
        long finish = nowNanos + delay + resilience.attemptTimeout().toNanos();
        return finish - startNanos < policy.waitTimeout().toNanos() ? delay : -1;
    }

    private static boolean isTransient(BankTokenException e) {
        return e instanceof BankUnreachableException
                || e instanceof TokenRequestRejectedException r && (r.status() >= 500 || r.status() == 429);
    }

    // Failures that say the bank is unwell; a refused client or local misconfiguration do not.
    private static boolean countsAgainstBank(BankTokenException e) {
        return isTransient(e) || e instanceof TlsHandshakeException || e instanceof InvalidTokenResponseException
                || e instanceof ResponseTooLargeException;
    }

    private BankCircuit circuit(TokenSlot slot) {
        return circuits.computeIfAbsent(slot.endpoints.bank(),
                b -> new BankCircuit(resilience.circuitThreshold(), resilience.circuitOpenFor()));
    }

    private void recordFailure(TokenSlot slot, BankTokenException e, boolean background, long sentNanos) {
        long now = clock.nanoTime();
        slot.failures++;
        slot.lastFailure = e;
        slot.lastFailureNanos = now;
        // A bank that said when to come back (429/503 Retry-After) is not asked again before then.
        slot.failureBackoffNanos = e instanceof TokenRequestRejectedException r && r.retryAfter().isPresent()
                ? Math.max(policy.failureBackoff().toNanos(), r.retryAfter().get().toNanos())
                : policy.failureBackoff().toNanos();
        int n = Math.min(++slot.consecutiveFailures, 16);
        long backoff = Math.max(slot.failureBackoffNanos,
                Math.min(Math.max(policy.failureBackoff().toNanos(), 1) << (n - 1), MAX_RETRY_BACKOFF_NANOS));
        slot.nextBackgroundAttemptNanos = now + backoff;
        CachedToken current = slot.current.get();
        if (background && current != null) {
            // The token the refresh was for leaves the fast path: callers check the clock again and retry the
            // refresh after the back-off.
            current.fresh = false;
        }
        LOG.log(Level.FINE, () -> "token request to bank " + slot.endpoints.bank() + " failed after "
                + millisSince(sentNanos) + " ms" + (background ? " (background refresh; the current token stays)" : "")
                + ": " + (e == null ? "unexpected error" : e.getClass().getSimpleName()));
    }

    private CachedToken fetch(TokenSlot slot, long sentNanos) {
        ClientCredentialsGrant grant = grant(slot);
        // Lifetime counts from sending: the bank's clock started no earlier than this.
        Instant sentAt = clock.now();
        RequestStyle style = slot.endpoints.requestStyle();
        URI endpoint = slot.endpoints.tokenEndpoint();
        if (style.inQuery()) {
            String query = endpoint.getRawQuery() == null ? grant.formBody() : endpoint.getRawQuery() + "&" + grant.formBody();
            endpoint = URI.create(endpoint.toString().split("\\?", 2)[0] + "?" + query);
        }
        HttpReply reply = http.postForm(endpoint, style.inBody() ? grant.formBody() : "");
        AccessToken token = parser.parse(slot.endpoints.bank(), slot.scope, reply, sentAt);
        Duration lifetime = token.lifetime();
        long lifetimeNanos = lifetime.toNanos();
        return new CachedToken(token, sentNanos,
                sentNanos + lifetimeNanos - policy.refreshSkewFor(lifetime).toNanos(),
                sentNanos + lifetimeNanos - policy.marginFor(lifetime).toNanos());
    }

    private void install(TokenSlot slot, CachedToken fetched) {
        // The predecessor keeps its flag: it is still valid, and a caller that read it just before this swap
        // must not be sent down the slow path (its own guard task retires it).
        slot.current.set(fetched);
        long untilStale = fetched.staleAtNanos - clock.nanoTime();
        if (untilStale <= 0) {
            fetched.fresh = false;
        } else {
            scheduler.schedule(() -> turnStale(slot, fetched), untilStale);
        }
    }

    private static boolean evict(TokenSlot slot, CachedToken cached) {
        if (cached != null && slot.current.compareAndSet(cached, null)) {
            cached.fresh = false;
            return true;
        }
        return false;
    }

    private AccessToken await(TokenSlot slot, CompletableFuture<CachedToken> request) {
        String bank = slot.endpoints.bank().value();
        Duration wait = policy.waitTimeout();
        try {
            return request.get(wait.toNanos(), TimeUnit.NANOSECONDS).token;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (TimeoutException e) {
            throw new TokenWaitTimeoutException(bank, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenWaitTimeoutException(bank, wait);
        }
    }

    private static Throwable unwrapForAsync(Throwable e, String bank, Duration wait) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof TimeoutException ? new TokenWaitTimeoutException(bank, wait) : cause;
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    private ClientCredentialsGrant grant(TokenSlot slot) {
        if (clientId == null) {
            throw new ConfigurationException(slot.endpoints.bank().value(), "psd2.client-id is not set: set it"
                    + " to the organizationIdentifier of the QWAC, e.g. PSDFR-ACPR-12345");
        }
        return new ClientCredentialsGrant(clientId, slot.scope);
    }

    private TokenSlot slotFor(String bkcode, String scope) {
        return scope == null ? Objects.requireNonNullElseGet(defaultSlots.get(bkcode), () -> defaultSlot(bkcode))
                : scopedSlot(bkcode, scope);
    }

    private TokenSlot defaultSlot(String bkcode) {
        Bkcode bank = Bkcode.of(bkcode);
        TokenSlot slot = slot(bank, banks.endpoints(bank).defaultScope());
        defaultSlots.putIfAbsent(bank.value(), slot);
        return slot;
    }

    private TokenSlot scopedSlot(String bkcode, String scope) {
        Map<String, TokenSlot> byScope = scopedSlots.get(bkcode);
        TokenSlot slot = byScope == null ? null : byScope.get(scope);
        if (slot != null) {
            return slot;
        }
        Bkcode bank = Bkcode.of(bkcode);
        Scope parsed;
        try {
            parsed = Scope.of(scope);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(bank.value(), e.getMessage());
        }
        slot = slot(bank, parsed);
        scopedSlots.computeIfAbsent(bank.value(), k -> new ConcurrentHashMap<>()).putIfAbsent(scope, slot);
        return slot;
    }

    private TokenSlot slot(Bkcode bank, Scope scope) {
        SlotKey key = new SlotKey(bank, scope);
        TokenSlot slot = slots.get(key);
        if (slot != null) {
            return slot;
        }
        BankEndpoints endpoints = banks.endpoints(bank);
        TokenSlot created = new TokenSlot(endpoints, scope);
        TokenSlot existing = slots.putIfAbsent(key, created);
        if (existing != null) {
            return existing;
        }
        metrics.slotCreated(bank.value(), scope.value(), counters(created));
        return created;
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
            public double tokenAgeSeconds() {
                CachedToken cached = slot.current.get();
                return cached == null ? -1 : (clock.nanoTime() - cached.sentNanos) / 1e9;
            }

            @Override
            public double tokenExpiresInSeconds() {
                CachedToken cached = slot.current.get();
                return cached == null ? -1 : Math.max(0, (cached.expireAtNanos - clock.nanoTime()) / 1e9);
            }

            @Override
            public double circuitOpen() {
                return circuit(slot).state() == BankCircuit.State.OPEN ? 1 : 0;
            }
        };
    }

    private long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos);
    }

    /** One cache slot: a bank and a normalised scope. */
    private record SlotKey(Bkcode bank, Scope scope) {
    }
}
