package io.psd2token.internal.identity;

import io.psd2token.bank.Scope;
import io.psd2token.error.InvalidQwacException;
import io.psd2token.error.InvalidQwacException.Problem;
import io.psd2token.error.SafeText;
import io.psd2token.identity.PspRole;
import io.psd2token.identity.TppIdentity;
import java.util.Optional;
import java.util.Set;

/**
 * What to do when a scope needs a PSD2 role the QWAC does not list (configuration key {@code psd2.identity.role-check},
 * default {@code warn}). Banks check the role themselves and answer with an OAuth2 error; checking first turns
 * that into a message that names the missing role.
 */
public enum RoleCheck {
    /** Log a warning and send the token request anyway: the bank has the last word. */
    WARN,
    /** Refuse the token request before sending it: {@link InvalidQwacException}, {@link Problem#MISSING_PSP_ROLE}. */
    REFUSE,
    /** Do not check, e.g. for a sandbox whose test certificates carry no PSD2 statement. */
    OFF;


    /**
     * Checks that the QWAC carries the roles a scope needs.
     *
     * @param identity the QWAC's identity
     * @param scope the scope about to be asked for
     * @param bkcode the bank asked, for the message; may be {@code null}
     * @return the warning to log under {@link #WARN} when a role is missing; empty otherwise
     * @throws InvalidQwacException under {@link #REFUSE} when a role is missing
     */
    public Optional<String> check(TppIdentity identity, Scope scope, String bkcode) {
        if (this == OFF) {
            return Optional.empty();
        }
        Set<PspRole> missing = identity.missingRolesFor(scope);
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String lists = identity.hasPsd2Statement()
                ? "lists only " + identity.roles()
                : "has no PSD2 QCStatement, so it shows no roles";
        String message = "scope \"" + scope + "\" needs PSD2 role " + missing + ", but the QWAC "
                + SafeText.of(identity.organizationIdentifier().value(), 64) + " (serial "
                + identity.serialNumber() + ") " + lists + "; the bank will most likely refuse the token request."
                + " Ask for a scope the QWAC covers, have the competent authority grant the role and the QTSP"
                + " reissue the QWAC, or set psd2.identity.role-check=off if this bank does not check roles";
        if (this == REFUSE) {
            throw new InvalidQwacException(bkcode, Problem.MISSING_PSP_ROLE, message, null);
        }
        return Optional.of(bkcode == null ? message : "bank " + bkcode + ": " + message);
    }
}
