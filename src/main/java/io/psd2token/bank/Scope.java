package io.psd2token.bank;

import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An OAuth 2.0 scope (RFC 6749 §3.3): a set of PSD2 roles such as {@code pisp}, {@code aisp}, {@code cbpii}.
 *
 * <p>Order and repeated spaces do not matter: {@code "pisp aisp"} and {@code "aisp  pisp"} are equal and
 * print as {@code "aisp pisp"}, so one scope means one cached token.
 */
public final class Scope {

    /** The BPCE page limits the scope parameter to 140 characters. */
    static final int MAX_LENGTH = 140;

    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    /** The BPCE default when a caller names no scope. Declared after the pattern it is parsed with. */
    public static final Scope PISP = Scope.of("pisp");

    // The normalised text only (roles sorted, each once): one is kept per cached token, so it stays small, and
    // the roles are read again from it on the rare paths that need them.
    private final String text;

    private Scope(String text) {
        this.text = text;
    }

    /**
     * Parses a space-delimited scope.
     *
     * @param spaceDelimited roles separated by spaces, e.g. {@code "pisp aisp"}; order and repeats do not matter
     * @return the scope, its roles sorted and each kept once
     * @throws IllegalArgumentException when it is blank, longer than 140 characters once normalised, or
     *         holds characters RFC 6749 does not allow
     */
    public static Scope of(String spaceDelimited) {
        if (spaceDelimited == null || spaceDelimited.isBlank()) {
            throw new IllegalArgumentException("scope is empty: name at least one role, e.g. pisp");
        }
        Set<String> roles = new TreeSet<>();
        for (String role : spaceDelimited.trim().split(" +")) {
            if (!SCOPE_TOKEN.matcher(role).matches()) {
                throw new IllegalArgumentException("scope holds characters RFC 6749 §3.3 does not allow;"
                        + " use space-separated roles such as \"pisp aisp\"");
            }
            roles.add(role);
        }
        Scope scope = new Scope(String.join(" ", roles));
        if (scope.text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("scope is " + scope.text.length()
                    + " characters long; the bank accepts at most " + MAX_LENGTH);
        }
        return scope;
    }

    /**
     * The roles, sorted.
     *
     * @return an unmodifiable, sorted set of at least one role
     */
    public Set<String> roles() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(Arrays.asList(text.split(" "))));
    }

    /**
     * True if this scope holds every role of {@code other}.
     *
     * @param other the scope asked for
     * @return true if a token of this scope also serves {@code other}, e.g. {@code "aisp pisp"} includes
     *         {@code "pisp"}
     */
    public boolean includes(Scope other) {
        return roles().containsAll(other.roles());
    }

    /**
     * The normalised space-delimited form sent to the bank.
     *
     * @return the sorted roles joined by single spaces, e.g. {@code "aisp pisp"}; equal scopes give equal text
     */
    public String value() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scope other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
