package io.psd2token.internal.token;

import io.psd2token.token.TokenClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * What a node accepts from the cluster: an entry becomes a token of this node only if it parses, names the key's
 * bank and scope, has a sane lifetime, was not issued in the future by more than {@link #MAX_CLOCK_SKEW}, and carries
 * the fingerprint of the QWAC this node presents now. Anything else is ignored and logged once per (bank, scope) and
 * kind, so a foreign or broken writer costs one token request, never a poisoned slot or a flood of log lines.
 *
 * <p>It also remembers the QWACs this node rotated away from: their entries may be overwritten, other foreign ones
 * are left alone. Thread-safe.
 */
final class ClusterEntries {

    // Logged under the category of SharedSlots: the one an operator turns up for the cluster.
    private static final Logger LOG = Logger.getLogger(SharedSlots.class.getName());

    /** An entry issued further in the future than this is taken for a wrong clock and ignored. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(10);
    private static final int MAX_RETIRED = 8;
    private static final int MAX_REPORTED = 1000;

    private final Supplier<String> credentials;
    private final TokenClock clock;
    private final TokenPolicy policy;
    /** Fingerprints of QWACs this node rotated away from. Guarded by itself. */
    private final Deque<String> retired = new ArrayDeque<>();
    /** What was logged once already (bounded). */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /**
     * @param credentials the SHA-256 fingerprint of the QWAC presented now, or null when it was not read
     */
    ClusterEntries(Supplier<String> credentials, TokenClock clock, TokenPolicy policy) {
        this.credentials = credentials;
        this.clock = clock;
        this.policy = policy;
    }

    /**
     * The entry's token as this node would hold it — its deadlines on the monotonic clock derived from the entry's
     * wall-clock times — or null when there is none this node may use now.
     *
     * @param epoch the slot life cycle's epoch now (a rotation after this read makes the token unusable)
     */
    CachedToken usable(TokenSlot slot, String text, long epoch) {
        if (text == null || text.equals(slot.rejectedShared())) {
            return null;
        }
        SharedEntry entry;
        try {
            entry = SharedEntry.parse(text);
        } catch (IllegalArgumentException e) {
            once("garbled " + where(slot), () -> describe(slot) + ": the cluster's entry is not one this version"
                    + " writes (" + e.getMessage() + "); ignored, and replaced when this node publishes");
            return null;
        }
        if (!placed(slot, entry)) {
            once("misplaced " + where(slot), () -> describe(slot) + ": the cluster's entry names another bank or"
                    + " scope; ignored (is a foreign writer on the cluster?)");
            return null;
        }
        if (!entry.fingerprint().equals(fingerprint())) {
            if (!isRetired(entry.fingerprint())) {
                reportForeign(slot, entry.fingerprint());
            }
            return null;
        }
        Instant now = clock.now();
        if (!sane(entry)) {
            once("absurd " + where(slot), () -> describe(slot) + ": the cluster's entry was issued at "
                    + entry.issuedAt() + " for " + entry.lifetime().getSeconds() + " s, which this node's clock ("
                    + now + ") cannot believe; ignored. Are the nodes' clocks synchronised (NTP)?");
            return null;
        }
        long nowNanos = clock.nanoTime();
        long ageNanos = Duration.between(entry.issuedAt(), now).toNanos();
        CachedToken cached = CachedToken.of(entry.accessToken(), nowNanos - ageNanos, policy, epoch);
        if (!cached.usableAt(nowNanos)) {
            return null;
        }
        cached.shared = text;
        return cached;
    }

    /**
     * Whether {@code there}, which this node cannot use, is a live token of another QWAC that it has not rotated
     * away from: then it stays in the cluster (reported once) and this node keeps its own token.
     */
    boolean foreignToKeep(TokenSlot slot, String there, String mine) {
        SharedEntry other = parseQuietly(there);
        if (other != null && !other.fingerprint().equals(mine) && !isRetired(other.fingerprint())
                && placed(slot, other) && sane(other) && other.expiresAt().isAfter(clock.now())) {
            reportForeign(slot, other.fingerprint());
            return true;
        }
        return false;
    }

    /** The fingerprint of the QWAC this node presents now, or {@link SharedEntry#NO_FINGERPRINT}. */
    String fingerprint() {
        try {
            String fingerprint = credentials.get();
            return fingerprint == null ? SharedEntry.NO_FINGERPRINT : fingerprint;
        } catch (RuntimeException e) {
            return SharedEntry.NO_FINGERPRINT;
        }
    }

    /** This node rotated away from the QWAC of {@code previous}: its entries may be overwritten from now on. */
    void retire(String previous) {
        synchronized (retired) {
            retired.remove(previous);
            retired.addLast(previous);
            while (retired.size() > MAX_RETIRED) {
                retired.removeFirst();
            }
        }
    }

    /** Whether the entry {@code text} parses and was obtained with the QWAC of {@code fingerprint}. */
    static boolean obtainedWith(String text, String fingerprint) {
        SharedEntry entry = parseQuietly(text);
        return entry != null && entry.fingerprint().equals(fingerprint);
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

    private boolean isRetired(String fingerprint) {
        synchronized (retired) {
            return retired.contains(fingerprint);
        }
    }

    private void reportForeign(TokenSlot slot, String fingerprint) {
        once("foreign " + where(slot) + " " + fingerprint, () -> describe(slot) + ": the cluster holds a token of"
                + " another QWAC (SHA-256 " + fingerprint.substring(0, Math.min(12, fingerprint.length()))
                + "…) than the one this node presents; this node keeps its own token. Every node must present the"
                + " same QWAC (after a rotation, within the check interval)");
    }

    private void once(String what, Supplier<String> message) {
        if (reported.size() < MAX_REPORTED && reported.add(what)) {
            LOG.warning(message.get());
        }
    }

    private static String where(TokenSlot slot) {
        return SharedEntry.tokenKey(slot.bankCode(), slot.scope());
    }

    private static String describe(TokenSlot slot) {
        return "bank " + slot.bk() + ", scope " + slot.scope();
    }
}
