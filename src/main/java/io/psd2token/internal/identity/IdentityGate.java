package io.psd2token.internal.identity;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.identity.TppIdentity;
import io.psd2token.internal.token.RequestGate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * What the QWAC allows, checked before every token request: a client_id is known and not refused, and the QWAC
 * carries the PSD2 roles the scope needs ({@code psd2.identity.role-check}). Only a check that passed is remembered
 * (per certificate, bank and scope), so a refusal is repeated for every caller and no request is ever sent for it;
 * a warning is logged once.
 */
public final class IdentityGate implements RequestGate {

    private static final Logger LOG = Logger.getLogger(IdentityGate.class.getName());

    private final QwacWatcher watcher;
    private final RoleCheck roles;
    private final Set<String> passed = ConcurrentHashMap.newKeySet();

    /**
     * @param watcher knows the QWAC and the client id
     * @param roles what to do about a missing role
     */
    public IdentityGate(QwacWatcher watcher, RoleCheck roles) {
        this.watcher = watcher;
        this.roles = roles;
    }

    @Override
    public void check(Bkcode bank, Scope scope) {
        watcher.clientId();
        if (roles == RoleCheck.OFF) {
            return;
        }
        Optional<TppIdentity> identity = watcher.identity();
        if (identity.isEmpty()) {
            // Not read yet: nothing to check against; the bank has the last word.
            return;
        }
        String key = identity.get().sha256Fingerprint() + " " + bank.value() + " " + scope.value();
        if (passed.contains(key)) {
            return;
        }
        roles.check(identity.get(), scope, bank.value()).ifPresent(LOG::warning);
        passed.add(key);
    }
}
