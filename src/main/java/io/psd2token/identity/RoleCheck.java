package io.psd2token.identity;

import io.psd2token.ConfigurationException;
import io.psd2token.bank.Scope;
import io.psd2token.identity.InvalidQwacException.Problem;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What to do when a scope needs a PSD2 role the QWAC does not list (configuration key {@value #CONFIG_KEY},
 * default {@link #WARN}). Banks check the role themselves and answer with an OAuth2 error; checking first turns
 * that into a message that names the missing role.
 */
public enum RoleCheck {
    /** Log a warning and send the token request anyway: the bank has the last word. */
    WARN,
    /** Refuse the token request before sending it: {@link InvalidQwacException}, {@link Problem#MISSING_PSP_ROLE}. */
    REFUSE,
    /** Do not check, e.g. for a sandbox whose test certificates carry no PSD2 statement. */
    OFF;

    /** The MicroProfile Config key proposed for this policy. */
    public static final String CONFIG_KEY = "psd2.identity.role-check";

    /** The policy when the key is not set. */
    public static final RoleCheck DEFAULT = WARN;

    /**
     * Reads the configured value, case-insensitively.
     *
     * @param value {@code warn}, {@code refuse} or {@code off}; {@code null} or blank gives {@link #DEFAULT}
     * @return the policy named, or {@link #DEFAULT} when none is
     * @throws ConfigurationException naming {@value #CONFIG_KEY} for any other value
     */
    public static RoleCheck parse(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(CONFIG_KEY + " must be warn, refuse or off, got \""
                    + TppIdentity.printable(value) + "\"");
        }
    }

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
                + TppIdentity.printable(identity.organizationIdentifier().value()) + " (serial "
                + identity.serialNumber() + ") " + lists + "; the bank will most likely refuse the token request."
                + " Ask for a scope the QWAC covers, have the competent authority grant the role and the QTSP"
                + " reissue the QWAC, or set " + CONFIG_KEY + "=off if this bank does not check roles";
        if (this == REFUSE) {
            throw new InvalidQwacException(bkcode, Problem.MISSING_PSP_ROLE, message, null);
        }
        return Optional.of(bkcode == null ? message : "bank " + bkcode + ": " + message);
    }
}
