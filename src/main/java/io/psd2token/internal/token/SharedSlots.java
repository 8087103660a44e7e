package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.internal.cluster.SharedTokens;
import io.psd2token.token.TokenClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * <p>Trust: an entry is used only if it parses, names the key's bank and scope, has a sane lifetime, was not issued
 * in the future by more than {@link #MAX_CLOCK_SKEW}, and carries the fingerprint of the QWAC this node presents
 * now. Anything else is ignored (logged once) and, when this node publishes, replaced. Deadlines come from the
 * entry's wall-clock times: the nodes' clocks are assumed to agree (NTP) within the expiry margin.
 *
 * <p>When the cluster does not answer, the slot behaves as on a single node (its own request), and a WARNING says
 * so once per outage. Thread-safe.
 */
final class SharedSlots {

    private static final Logger LOG = Logger.getLogger(SharedSlots.class.getName());

    /** An entry issued further in the future than this is taken for a wrong clock and ignored. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(10);
    /** How often a node waiting for the lease holder reads the entry again. */
    static final Duration POLL = Duration.ofMillis(100);
    private static final int MAX_RETIRED = 8;
    private static final int MAX_REPORTED = 1000;
    private static final Pattern ERROR_CODE = Pattern.compile("^([A-Z]{3,10}[0-9]{3,7})");

    private final SharedTokens store;
    private final Supplier<String> credentials;
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
    /** Fingerprints of QWACs this node rotated away from: their entries may be overwritten. Guarded by itself. */
    private final Deque<String> retired = new ArrayDeque<>();
    /** What was logged once already (bounded). */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean outage = new AtomicBoolean();

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
        this.credentials = credentials;
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
                reachable();
                install(slot, flight, found);
                return;
            }
            won = store.putIfAbsent(leaseKey(slot), mine, lease);
            reachable();
        } catch (RuntimeException e) {
            unreachable(e);
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
            reachable();
        } catch (RuntimeException e) {
            unreachable(e);
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
        slot.countSharedInstall();
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
                reachable();
            } catch (RuntimeException e) {
                unreachable(e);
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
            unreachable(e);
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
        SharedEntry mine = SharedEntry.of(cached.token, fingerprint());
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
            SharedEntry other = theirs == null ? parseQuietly(there) : null;
            if (other != null && !other.fingerprint().equals(mine.fingerprint()) && !isRetired(other.fingerprint())
                    && placed(slot, other) && sane(other) && other.expiresAt().isAfter(clock.now())) {
                reportForeign(slot, other.fingerprint());
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
        slot.countSharedPublish();
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
        slot.rejectedShared = text;
        handoff.orDrop(() -> {
            try {
                store.remove(tokenKey(slot), text);
                reachable();
            } catch (RuntimeException e) {
                unreachable(e);
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
                    local.rejectedShared = e.getValue();
                }
                store.remove(e.getKey(), e.getValue());
            }
            reachable();
        } catch (RuntimeException e) {
            unreachable(e);
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
        synchronized (retired) {
            retired.remove(previous);
            retired.addLast(previous);
            while (retired.size() > MAX_RETIRED) {
                retired.removeFirst();
            }
        }
        handoff.orDrop(() -> {
            try {
                int removed = 0;
                for (Map.Entry<String, String> e : store.entries(SharedEntry.tokenPrefix()).entrySet()) {
                    SharedEntry entry = parseQuietly(e.getValue());
                    if (entry != null && entry.fingerprint().equals(previous) && store.remove(e.getKey(), e.getValue())) {
                        removed++;
                    }
                }
                int n = removed;
                LOG.info(() -> "QWAC rotation: " + n + " token(s) of the previous certificate removed from the cluster");
                reachable();
            } catch (RuntimeException e) {
                unreachable(e);
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
            reachable();
        } catch (RuntimeException e) {
            unreachable(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reading entries

    /**
     * The entry's token as this node would hold it — its deadlines on the monotonic clock derived from the entry's
     * wall-clock times — or null when there is none this node may use now.
     */
    private CachedToken usable(TokenSlot slot, String text) {
        if (text == null || text.equals(slot.rejectedShared)) {
            return null;
        }
        SharedEntry entry;
        try {
            entry = SharedEntry.parse(text);
        } catch (IllegalArgumentException e) {
            once("garbled " + tokenKey(slot), () -> "bank " + slot.bk() + ", scope " + slot.scope() + ": the"
                    + " cluster's entry is not one this version writes (" + e.getMessage() + "); ignored, and"
                    + " replaced when this node publishes");
            return null;
        }
        if (!placed(slot, entry)) {
            once("misplaced " + tokenKey(slot), () -> "bank " + slot.bk() + ", scope " + slot.scope() + ": the"
                    + " cluster's entry names another bank or scope; ignored (is a foreign writer on the cluster?)");
            return null;
        }
        String mine = fingerprint();
        if (!entry.fingerprint().equals(mine)) {
            if (!isRetired(entry.fingerprint())) {
                reportForeign(slot, entry.fingerprint());
            }
            return null;
        }
        Instant now = clock.now();
        if (!sane(entry)) {
            once("absurd " + tokenKey(slot), () -> "bank " + slot.bk() + ", scope " + slot.scope() + ": the"
                    + " cluster's entry was issued at " + entry.issuedAt() + " for " + entry.lifetime().getSeconds()
                    + " s, which this node's clock (" + now + ") cannot believe; ignored. Are the nodes' clocks"
                    + " synchronised (NTP)?");
            return null;
        }
        long nowNanos = clock.nanoTime();
        long ageNanos = Duration.between(entry.issuedAt(), now).toNanos();
        CachedToken cached = CachedToken.of(entry.accessToken(), nowNanos - ageNanos, policy, lifecycle.epoch());
        if (!cached.usableAt(nowNanos)) {
            return null;
        }
        cached.shared = text;
        return cached;
    }

    /** The entry is the one of the slot's own key (a writer cannot move a token to another bank or scope). */
    private static boolean placed(TokenSlot slot, SharedEntry entry) {
        return entry.bank().equals(slot.bankCode()) && entry.requestedScope().equals(slot.scope());
    }

    /** A lifetime this node would accept from a bank, and not issued in this node's future beyond the skew. */
    private boolean sane(SharedEntry entry) {
        Duration lifetime = entry.lifetime();
        return !lifetime.isNegative() && !lifetime.isZero() && lifetime.compareTo(policy.maxLifetime()) <= 0
                && !entry.issuedAt().isAfter(clock.now().plus(MAX_CLOCK_SKEW));
    }

    private static SharedEntry parseQuietly(String text) {
        try {
            return SharedEntry.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private String fingerprint() {
        try {
            String fingerprint = credentials.get();
            return fingerprint == null ? SharedEntry.NO_FINGERPRINT : fingerprint;
        } catch (RuntimeException e) {
            return SharedEntry.NO_FINGERPRINT;
        }
    }

    private boolean isRetired(String fingerprint) {
        synchronized (retired) {
            return retired.contains(fingerprint);
        }
    }

    private TokenSlot localSlot(Bkcode bank, String scope) {
        try {
            return registry.existing(bank, Scope.of(scope));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void reportForeign(TokenSlot slot, String fingerprint) {
        once("foreign " + tokenKey(slot) + " " + fingerprint, () -> "bank " + slot.bk() + ", scope " + slot.scope()
                + ": the cluster holds a token of another QWAC (SHA-256 " + fingerprint.substring(0,
                Math.min(12, fingerprint.length())) + "…) than the one this node presents; this node keeps its own"
                + " token. Every node must present the same QWAC (after a rotation, within the check interval)");
    }

    private void once(String what, Supplier<String> message) {
        if (reported.size() < MAX_REPORTED && reported.add(what)) {
            LOG.warning(message.get());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The cluster's health

    private void reachable() {
        if (outage.compareAndSet(true, false)) {
            LOG.info("the cluster's shared token state answers again; tokens are shared again");
        }
    }

    /** One WARNING per outage; never the exception's message, which is the cache's and might quote anything. */
    private void unreachable(RuntimeException e) {
        String code = "";
        Matcher m = ERROR_CODE.matcher(String.valueOf(e.getMessage()));
        if (m.find()) {
            code = " " + m.group(1);
        }
        String what = e.getClass().getName() + code;
        if (outage.compareAndSet(false, true)) {
            LOG.warning("the cluster's shared token state did not answer (" + what + "); until it does, this node"
                    + " fetches its own tokens");
        } else {
            LOG.log(Level.FINE, "the cluster's shared token state did not answer ({0})", what);
        }
    }

    private static String tokenKey(TokenSlot slot) {
        return SharedEntry.tokenKey(slot.bankCode(), slot.scope());
    }

    private static String leaseKey(TokenSlot slot) {
        return SharedEntry.leaseKey(slot.bankCode(), slot.scope());
    }
}
