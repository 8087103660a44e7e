package io.psd2token.internal.token;

import io.psd2token.bank.Scope;
import io.psd2token.error.ScopeRefusedException;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which scopes a caller may ask for: every slot is keyed by a scope, so a scope straight from a request parameter
 * must not be able to create slots, meters or token requests at will. Only the PSD2 roles ({@code pisp},
 * {@code aisp}, {@code cbpii}, {@code piisp}) and the configured extra roles pass; the raw text is bounded before
 * it is parsed; a bank has at most {@link #maxPerBank()} scopes in use.
 */
public final class ScopeRules {

    /** The roles of the PSD2 services, as BPCE and the STET standard write them. */
    public static final Set<String> PSD2_ROLES = Set.of("pisp", "aisp", "cbpii", "piisp");

    /** Longer raw text is refused before it is parsed: the bank takes at most 140 characters anyway. */
    public static final int MAX_RAW_LENGTH = 140;

    /** The PSD2 roles only, and 8 scopes per bank. */
    public static final ScopeRules DEFAULT = new ScopeRules(Set.of(), 8);

    private final Set<String> allowed;
    private final int maxPerBank;

    /**
     * @param extraRoles roles allowed besides the PSD2 ones, e.g. {@code extended_transaction_history}
     * @param maxPerBank how many scopes (slots) one bank may have in use at once; at least 1
     */
    public ScopeRules(Set<String> extraRoles, int maxPerBank) {
        if (maxPerBank < 1) {
            throw new IllegalArgumentException("maxPerBank must be at least 1");
        }
        Set<String> all = new TreeSet<>(PSD2_ROLES);
        all.addAll(extraRoles);
        this.allowed = Set.copyOf(all);
        this.maxPerBank = maxPerBank;
    }

    /**
     * How many scopes one bank may have in use at once.
     *
     * @return at least 1
     */
    public int maxPerBank() {
        return maxPerBank;
    }

    /**
     * Parses a caller's scope: length first, then the RFC 6749 syntax, then the roles.
     *
     * @param bkcode the bank asked, for the message
     * @param raw the scope as the caller wrote it
     * @return the normalised scope
     * @throws ScopeRefusedException saying what is wrong; nothing is sent or cached
     */
    public Scope parse(String bkcode, String raw) {
        if (raw != null && raw.length() > MAX_RAW_LENGTH) {
            throw new ScopeRefusedException(bkcode, "the scope asked for is " + raw.length() + " characters long;"
                    + " at most " + MAX_RAW_LENGTH + " are accepted");
        }
        Scope scope;
        try {
            scope = Scope.of(raw);
        } catch (IllegalArgumentException e) {
            throw new ScopeRefusedException(bkcode, e.getMessage());
        }
        check(bkcode, scope);
        return scope;
    }

    /**
     * Checks that every role of the scope is allowed.
     *
     * @param bkcode the bank asked, for the message
     * @param scope the scope
     * @throws ScopeRefusedException naming the unknown roles and the key that allows more
     */
    public void check(String bkcode, Scope scope) {
        Set<String> unknown = new TreeSet<>(scope.roles());
        unknown.removeAll(allowed);
        if (!unknown.isEmpty()) {
            throw new ScopeRefusedException(bkcode, "scope role(s) " + quoted(unknown) + " unknown: allowed are "
                    + allowed + "; add a bank-specific role with psd2.scope.extra-roles");
        }
    }

    private static String quoted(Set<String> roles) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (String role : roles) {
            if (n++ == 3) {
                return out.append(", ...").toString();
            }
            out.append(n > 1 ? ", " : "").append('"').append(io.psd2token.error.SafeText.of(role, 30)).append('"');
        }
        return out.toString();
    }
}
