package io.psd2token.identity;

import io.psd2token.bank.Scope;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which PSD2 role the QWAC must carry for each role of an OAuth2 scope: {@code pisp} needs {@link PspRole#PSP_PI},
 * {@code aisp} {@link PspRole#PSP_AI}, {@code cbpii} {@link PspRole#PSP_IC}. Any other scope role sets no
 * requirement, since the library cannot know what a bank means by it.
 *
 * <p>Scope roles are compared exactly: RFC 6749 §3.3 makes scope tokens case-sensitive, and BPCE writes them in
 * lower case.
 */
public final class ScopeRoles {

    private static final Map<String, PspRole> REQUIRED = Map.of(
            "pisp", PspRole.PSP_PI,
            "aisp", PspRole.PSP_AI,
            "cbpii", PspRole.PSP_IC);

    private ScopeRoles() {
    }

    /**
     * The PSD2 role one scope role needs, or empty if it sets no requirement.
     *
     * @param scopeRole one role of a scope, e.g. {@code pisp}; compared case-sensitively
     * @return the PSD2 role the QWAC must list, or empty for a scope role the library does not know
     */
    public static Optional<PspRole> requiredFor(String scopeRole) {
        return Optional.ofNullable(REQUIRED.get(scopeRole));
    }

    /**
     * The PSD2 roles a scope needs: one per known scope role.
     *
     * @param scope the scope about to be asked for
     * @return a new, modifiable set of the required roles; empty when the scope sets no requirement
     */
    public static Set<PspRole> requiredFor(Scope scope) {
        Set<PspRole> required = EnumSet.noneOf(PspRole.class);
        for (String role : scope.roles()) {
            requiredFor(role).ifPresent(required::add);
        }
        return required;
    }
}
