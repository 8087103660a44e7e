package io.psd2token.internal.token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.ScopeRefusedException;
import io.psd2token.internal.token.TokenSlot.SlotKey;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every cache slot, found from the caller's own strings on the hot path and created, bounded and removed here.
 *
 * <p>Two maps serve the hot path without parsing or allocating: the default slot by bank code, and the slot by
 * bank code and <em>canonical</em> scope text. Only canonical text ever becomes a key, so 200 spellings of
 * {@code "pisp"} cost a parse each, not memory. A bank has at most {@link ScopeRules#maxPerBank()} slots; a slot
 * leaves (an idle token that reached its drop point) and is created again on its next use.
 */
final class SlotRegistry {

    // Read by TokenManager's hot path.
    final ConcurrentHashMap<String, TokenSlot> defaults = new ConcurrentHashMap<>();
    private final Map<String, Map<String, TokenSlot>> byScope = new ConcurrentHashMap<>();
    private final Map<SlotKey, TokenSlot> slots = new ConcurrentHashMap<>();
    private final Map<Bkcode, BankState> banks = new ConcurrentHashMap<>();
    private final BankRegistry endpoints;
    private final ScopeRules rules;
    private final Resilience resilience;
    private final Consumer<TokenSlot> created;

    SlotRegistry(BankRegistry endpoints, ScopeRules rules, Resilience resilience, Consumer<TokenSlot> created) {
        this.endpoints = endpoints;
        this.rules = rules;
        this.resilience = resilience;
        this.created = created;
    }

    /** The slot of the bank's default scope; checks the code and the directory on first use. */
    TokenSlot defaultSlot(String bkcode) {
        TokenSlot slot = defaults.get(bkcode);
        if (slot != null) {
            return slot;
        }
        Bkcode bank = Bkcode.of(bkcode);
        BankEndpoints e = endpoints.endpoints(bank);
        slot = slot(bank, e, e.defaultScope());
        defaults.put(bank.value(), slot);
        return slot;
    }

    /** The slot of the bank and the caller's scope text; the text is bounded and checked before anything else. */
    TokenSlot scopedSlot(String bkcode, String rawScope) {
        Map<String, TokenSlot> scoped = byScope.get(bkcode);
        TokenSlot slot = scoped == null || rawScope == null ? null : scoped.get(rawScope);
        if (slot != null) {
            return slot;
        }
        Bkcode bank = Bkcode.of(bkcode);
        Scope scope = rules.parse(bank.value(), rawScope);
        slot = slot(bank, endpoints.endpoints(bank), scope);
        if (scope.value().equals(rawScope)) {
            byScope.computeIfAbsent(bank.value(), k -> new ConcurrentHashMap<>()).put(rawScope, slot);
        }
        return slot;
    }

    /** The slot of a checked bank code and a parsed scope. */
    TokenSlot slot(Bkcode bank, Scope scope) {
        TokenSlot slot = slots.get(new SlotKey(bank, scope));
        return slot != null ? slot : slot(bank, endpoints.endpoints(bank), scope);
    }

    /** The slot if it exists; never creates one. */
    TokenSlot existing(Bkcode bank, Scope scope) {
        return slots.get(new SlotKey(bank, scope));
    }

    private TokenSlot slot(Bkcode bank, BankEndpoints e, Scope scope) {
        SlotKey key = new SlotKey(bank, scope);
        TokenSlot slot = slots.get(key);
        if (slot != null) {
            return slot;
        }
        rules.check(bank.value(), scope);
        BankState state = bankState(bank);
        TokenSlot[] made = new TokenSlot[1];
        slot = slots.computeIfAbsent(key, k -> {
            if (state.slots.incrementAndGet() > rules.maxPerBank()) {
                state.slots.decrementAndGet();
                throw new ScopeRefusedException(bank.value(), "the bank already has " + rules.maxPerBank()
                        + " scopes in use (psd2.max-scopes-per-bank); scope \"" + scope + "\" is refused");
            }
            made[0] = new TokenSlot(k, e, state);
            return made[0];
        });
        if (made[0] == slot) {
            created.accept(slot);
        }
        return slot;
    }

    BankState bankState(Bkcode bank) {
        return banks.computeIfAbsent(bank, b -> new BankState(resilience.circuitThreshold(),
                resilience.circuitOpenFor()));
    }

    /** Removes a retired slot from every map; idempotent. */
    boolean remove(TokenSlot slot) {
        boolean removed = slots.remove(slot.key, slot);
        if (removed) {
            slot.bank.slots.decrementAndGet();
        }
        defaults.remove(slot.bk(), slot);
        Map<String, TokenSlot> scoped = byScope.get(slot.bk());
        if (scoped != null) {
            scoped.remove(slot.scope().value(), slot);
        }
        return removed;
    }

    Collection<TokenSlot> all() {
        return slots.values();
    }

    /** How many caller spellings the hot-path maps hold: bounded by the slots, whatever callers send. */
    int spellings() {
        return defaults.size() + byScope.values().stream().mapToInt(Map::size).sum();
    }
}
