package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.token.TokenClock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A slot's view of the cluster: one token per (bank, scope) for every node, through {@link SharedTokens}.
 *
 * <p>Who requests: nobody is in charge. A node whose flight starts (no usable token, or its token reached its
 * stale point) first reads the cluster's entry — a local read — and installs a newer valid token without any
 * request. Otherwise it tries to write the slot's <em>lease</em> (put-if-absent, with a lifespan of one attempt
 * plus its retry delay): the winner requests and publishes, the others poll the entry on the timer (each poll is
 * handed to the I/O executor: a timer thread never waits for the cluster) until it changes, or until the lease is
 * gone — the holder died or failed — and then try the lease themselves. A node holding a valid token keeps
 * serving it all along.
 *
 * <p>Keeping in step without listeners: besides those reads, a light periodic task ({@code syncInterval}) looks at
 * the slots whose token is in use, installs a newer shared token and drops a token the cluster no longer holds
 * (evicted after a 403 elsewhere, or by an operator). The hot path never touches the cluster.
 *
 * <p>Trust: what a node accepts from the cluster is {@link ClusterEntries}'s to say; anything else is ignored and,
 * when this node publishes, replaced. Deadlines come from the entry's wall-clock times: the nodes' clocks are
 * assumed to agree (NTP) within the expiry margin.
 *
 * <p>When the cluster does not answer, the slot behaves as on a single node (its own request), and a WARNING says
 * so once per outage ({@link ClusterHealth}). Thread-safe.
 *
 * <p>Over 300 lines because a flight's steps (read, lease, request or wait, publish) and the evictions that undo
 * them are one protocol, read best in one place.
 */
final class SharedSlots {

    private static final Logger LOG = Logger.getLogger(SharedSlots.class.getName());

    /** How often a node waiting for the lease holder reads the entry again. */
    static final Duration POLL = Duration.ofMillis(100);

    private final SharedTokens store;
    private final String node;
    private final TokenClock clock;
    private final TokenPolicy policy;
    private final TokenTimer timer;
    private final Handoff handoff;
    private final SlotRegistry registry;
    private final Duration lease;
    private final long leaseNanos;
    private final long syncNanos;
    // Set once by connect(), before the manager is handed out.
    private SlotLifecycle lifecycle;
    private TokenRequests requests;
    private TokenDeadlines deadlines;
    private final ClusterEntries entries;
    private final ClusterHealth health = new ClusterHealth();

    /**
     * @param store the cluster's map, or {@link SharedTokens#LOCAL} for none
     * @param credentials the SHA-256 fingerprint of the QWAC presented now, or null when it was not read
     * @param node this node's name, for the lease and the logs
     * @param syncInterval how often the slots in use are compared with the cluster
     */
    SharedSlots(SharedTokens store, Supplier<String> credentials, String node, Duration syncInterval,
            TokenClock clock, TokenPolicy policy, Resilience resilience, TokenTimer timer, Handoff handoff,
            SlotRegistry registry) {
        this.store = store;
        this.entries = new ClusterEntries(credentials, clock, policy);
        this.node = node;
        this.clock = clock;
        this.policy = policy;
        this.timer = timer;
        this.handoff = handoff;
        this.registry = registry;
        this.lease = resilience.leaseLifespan();
        this.leaseNanos = Nanos.of(lease);
        this.syncNanos = Nanos.of(syncInterval);
    }

    void connect(SlotLifecycle lifecycle, TokenRequests requests, TokenDeadlines deadlines) {
        this.lifecycle = lifecycle;
        this.requests = requests;
        this.deadlines = deadlines;
    }

    boolean enabled() {
        return store != SharedTokens.LOCAL;
    }

    /** How long a lease lasts: how long a node waits, at most, for a holder that died. */
    Duration leaseLifespan() {
        return lease;
    }

    // ---------------------------------------------------------------------------------------------------------
    // A flight: read, lease, request or wait

    /** The first step of a flight, on the I/O executor: a token from the cluster, or the lease and a request. */
    void begin(TokenSlot slot, Flight flight) {
        if (slot.flight != flight) {
            return;
        }
        CachedToken found;
        boolean won;
        String mine = node + "#" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        try {
            found = usable(slot, store.get(tokenKey(slot)));
            if (found != null && worthInstalling(slot, found)) {
                health.reachable();
                install(slot, flight, found);
                return;
            }
            won = store.putIfAbsent(leaseKey(slot), mine, lease);
            health.reachable();
        } catch (RuntimeException e) {
            health.unreachable(e);
            requests.attempt(slot, flight, 1);
            return;
        }
        if (!won) {
            waitForHolder(slot, flight, Nanos.at(clock.nanoTime(), Nanos.add(leaseNanos, Nanos.of(POLL))));
            return;
        }
        flight.lease = mine;
        try {
            // Another node may have published and released its lease between our read and our write.
            found = usable(slot, store.get(tokenKey(slot)));
        } catch (RuntimeException e) {
            found = null;
        }
        if (found != null && worthInstalling(slot, found)) {
            install(slot, flight, found);
            return;
        }
        requests.attempt(slot, flight, 1);
    }

    /** Polls on the timer; the read itself runs on the I/O executor. */
    private void waitForHolder(TokenSlot slot, Flight flight, long deadline) {
        try {
            timer.schedule(() -> lifecycle.continueOn(slot, flight, () -> poll(slot, flight, deadline)),
                    Nanos.of(POLL));
        } catch (RuntimeException e) {
            // No timer (the application is stopping): do not leave the callers waiting.
            requests.attempt(slot, flight, 1);
        }
    }

    private void poll(TokenSlot slot, Flight flight, long deadline) {
        if (slot.flight != flight) {
            return;
        }
        boolean holderGone;
        try {
            CachedToken found = usable(slot, store.get(tokenKey(slot)));
            if (found != null && worthInstalling(slot, found)) {
                install(slot, flight, found);
                return;
            }
            holderGone = store.get(leaseKey(slot)) == null;
            health.reachable();
        } catch (RuntimeException e) {
            health.unreachable(e);
            requests.attempt(slot, flight, 1);
            return;
        }
        if (holderGone || clock.nanoTime() - deadline >= 0) {
            LOG.fine(() -> "bank " + slot.bk() + ", scope " + slot.scope() + ": the node fetching the token "
                    + (holderGone ? "ended without publishing one" : "holds its lease too long") + "; trying here");
            begin(slot, flight);
            return;
        }
        waitForHolder(slot, flight, deadline);
    }

    private void install(TokenSlot slot, Flight flight, CachedToken found) {
        adopt(slot, found);
        LOG.fine(() -> "bank " + slot.bk() + ", scope " + slot.scope() + ": token taken from the cluster, no request");
        lifecycle.settle(slot, flight, Outcome.success(found), flight.startNanos, false);
    }

    /**
     * Makes a token from the cluster the slot's. A valid token is there: as after a request of its own, the slot's
     * background refreshes may start at its stale point, without the back-off of earlier failures.
     */
    private void adopt(TokenSlot slot, CachedToken found) {
        slot.failure = null;
        slot.consecutiveFailures = 0;
        slot.nextBackgroundNanos = clock.nanoTime();
        deadlines.install(slot, found);
        slot.sharing().installs.incrementAndGet();
    }

    /**
     * For a slot without a usable token anything valid will do; for one with a token, only another one that
     * expires no earlier (the cluster's choice wins a tie, so that every node converges on it).
     */
    private boolean worthInstalling(TokenSlot slot, CachedToken found) {
        CachedToken current = slot.current;
        return current == null || !current.usableAt(clock.nanoTime())
                || !found.shared.equals(current.shared) && !found.token.expiresAt().isBefore(current.token.expiresAt());
    }

    /**
     * A flight ended (see {@link SlotLifecycle#settle}): publishes the token this node obtained from the bank, then
     * gives the lease back, on the I/O executor. Publishing first, so nobody takes the lease and requests again.
     *
     * @param obtained the token the bank gave this flight, or null
     */
    void settled(TokenSlot slot, Flight flight, CachedToken obtained) {
        String held = flight.lease;
        if (!enabled() || held == null && obtained == null) {
            return;
        }
        handoff.orDrop(() -> {
            try {
                if (obtained != null) {
                    publish(slot, obtained);
                }
                if (held != null) {
                    store.remove(leaseKey(slot), held);
                }
                health.reachable();
            } catch (RuntimeException e) {
                health.unreachable(e);
            }
        });
    }

    /** Before a retry: the holder is alive, its lease runs on. */
    void renewLease(TokenSlot slot, Flight flight) {
        String held = flight.lease;
        if (held == null) {
            return;
        }
        try {
            store.replace(leaseKey(slot), held, held, lease);
        } catch (RuntimeException e) {
            health.unreachable(e);
        }
    }

    /**
     * Makes this node's new token the cluster's, unless the cluster already holds a newer one (a double refresh:
     * everyone takes the newest, which is the one a revoking bank still honours) or one of another QWAC that this
     * node has not rotated away from (kept there; this node keeps its own token).
     */
    private void publish(TokenSlot slot, CachedToken cached) {
        if (slot.current != cached || cached.epoch != lifecycle.epoch()) {
            return;
        }
        SharedEntry mine = SharedEntry.of(cached.token, entries.fingerprint());
        String text = mine.encode();
        Duration lifespan = Duration.between(clock.now(), mine.expiresAt());
        if (lifespan.compareTo(Duration.ofSeconds(1)) < 0) {
            return;
        }
        String key = tokenKey(slot);
        for (int attempt = 0; attempt < 3; attempt++) {
            String there = store.get(key);
            if (there == null) {
                if (store.putIfAbsent(key, text, lifespan)) {
                    published(slot, cached, text);
                    return;
                }
                continue;
            }
            if (there.equals(text)) {
                cached.shared = text;
                return;
            }
            CachedToken theirs = usable(slot, there);
            if (theirs != null && theirs.token.expiresAt().isAfter(mine.expiresAt())) {
                if (slot.current == cached) {
                    adopt(slot, theirs);
                }
                return;
            }
            if (theirs == null && entries.foreignToKeep(slot, there, mine.fingerprint())) {
                return;
            }
            if (store.replace(key, there, text, lifespan)) {
                published(slot, cached, text);
                return;
            }
        }
    }

    private static void published(TokenSlot slot, CachedToken cached, String text) {
        cached.shared = text;
        slot.sharing().publishes.incrementAndGet();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Evictions and rotations

    /**
     * The bank rejected {@code cached} (403 "Invalid token") and it was evicted here: the cluster forgets exactly
     * that entry (a newer one another node published stays), and this node never installs it again.
     */
    void rejected(TokenSlot slot, CachedToken cached) {
        String text = cached.shared;
        if (!enabled() || text == null) {
            return;
        }
        slot.sharing().rejected = text;
        handoff.orDrop(() -> {
            try {
                store.remove(tokenKey(slot), text);
                health.reachable();
            } catch (RuntimeException e) {
                health.unreachable(e);
            }
        });
    }

    /**
     * An operator dropped the bank's tokens on this node: the cluster drops the entries this node sees now, each
     * by its exact value. Runs on the caller's thread, so the next call cannot find them.
     */
    void evictBank(Bkcode bank) {
        if (!enabled()) {
            return;
        }
        String prefix = SharedEntry.tokenPrefix(bank);
        try {
            for (Map.Entry<String, String> e : store.entries(prefix).entrySet()) {
                TokenSlot local = localSlot(bank, e.getKey().substring(prefix.length()));
                if (local != null) {
                    local.sharing().rejected = e.getValue();
                }
                store.remove(e.getKey(), e.getValue());
            }
            health.reachable();
        } catch (RuntimeException e) {
            health.unreachable(e);
        }
    }

    /**
     * This node's QWAC changed: the cluster forgets every token of the old certificate (each entry by its exact
     * value), and its entries may be overwritten from now on.
     *
     * @param previous the fingerprint of the QWAC presented before
     */
    void retire(String previous) {
        if (!enabled() || previous == null) {
            return;
        }
        entries.retire(previous);
        handoff.orDrop(() -> {
            try {
                int removed = 0;
                for (Map.Entry<String, String> e : store.entries(SharedEntry.tokenPrefix()).entrySet()) {
                    if (ClusterEntries.obtainedWith(e.getValue(), previous) && store.remove(e.getKey(), e.getValue())) {
                        removed++;
                    }
                }
                int n = removed;
                LOG.info(() -> "QWAC rotation: " + n + " token(s) of the previous certificate removed from the cluster");
                health.reachable();
            } catch (RuntimeException e) {
                health.unreachable(e);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------
    // Keeping in step

    /** Starts the periodic comparison of the slots in use with the cluster; nothing on a single node. */
    void startSync() {
        if (!enabled()) {
            return;
        }
        try {
            timer.schedule(() -> handoff.orDrop(() -> {
                try {
                    reconcile();
                } finally {
                    startSync();
                }
            }), syncNanos);
        } catch (RuntimeException e) {
            // The timer is shut down: the application is stopping.
        }
    }

    /**
     * One pass over the slots whose token was used: a newer shared token is installed, a token the cluster no
     * longer holds is dropped. Slots with a flight are left to it; an unused token is left to lapse.
     */
    void reconcile() {
        try {
            for (TokenSlot slot : registry.all()) {
                CachedToken current = slot.current;
                if (current == null || !current.used() || slot.flight != null) {
                    continue;
                }
                String text = store.get(tokenKey(slot));
                if (text == null) {
                    if (current.shared != null && current.usableAt(clock.nanoTime())
                            && SlotLifecycle.evict(slot, current)) {
                        LOG.fine(() -> "bank " + slot.bk() + ", scope " + slot.scope() + ": the cluster no longer"
                                + " holds the token (evicted on another node); dropped here too");
                    }
                    continue;
                }
                if (text.equals(current.shared)) {
                    continue;
                }
                CachedToken found = usable(slot, text);
                if (found != null && worthInstalling(slot, found) && slot.current == current) {
                    adopt(slot, found);
                }
            }
            health.reachable();
        } catch (RuntimeException e) {
            health.unreachable(e);
        }
    }

    private CachedToken usable(TokenSlot slot, String text) {
        return entries.usable(slot, text, lifecycle.epoch());
    }

    private TokenSlot localSlot(Bkcode bank, String scope) {
        try {
            return registry.existing(bank, Scope.of(scope));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String tokenKey(TokenSlot slot) {
        return SharedEntry.tokenKey(slot.bankCode(), slot.scope());
    }

    private static String leaseKey(TokenSlot slot) {
        return SharedEntry.leaseKey(slot.bankCode(), slot.scope());
    }
}
