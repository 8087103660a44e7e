package io.psd2token.bank;

import java.util.List;
import java.util.Objects;

/**
 * One entry of the {@link BankDirectory}: a bank code and the names a PSU knows the bank by.
 *
 * <p>One bank code can carry more than one brand: {@code 13807} is Banque Populaire Grand Ouest and also
 * CMM Grand Ouest (Crédit Maritime Mutuel). The code is the key (one token endpoint, one token); the second
 * brand is kept in {@link #aliases()}, where a name search finds it.
 *
 * @param bkcode the five-digit bank code, the key of the directory
 * @param name the name shown to a PSU, e.g. {@code Caisse d'Epargne Ile-de-France}
 * @param shortName the short name BPCE uses, e.g. {@code CEIDF}; empty when none is known
 * @param network the network the bank belongs to
 * @param aliases other names and short names of the same bank code (another brand, BPCE's own spelling)
 * @param confirmed true if BPCE's 89C3 pages show this bank code; false if it comes from the French bank-code
 *        registry or from configuration
 * @param enabled false if the deployment disabled the bank by configuration: no token is requested for it
 * @param note a caveat from BPCE's pages (a product that does not serve the bank, ...); empty when none
 */
public record Bank(Bkcode bkcode, String name, String shortName, Network network, List<String> aliases,
        boolean confirmed, boolean enabled, String note) {

    /**
     * Checks that nothing is missing and freezes the aliases.
     *
     * @param bkcode the five-digit bank code; required
     * @param name the name shown to a PSU; required, not blank
     * @param shortName BPCE's short name; {@code null} is taken as empty
     * @param network the network the bank belongs to; required
     * @param aliases other names of the same bank code; {@code null} is taken as none, and the list is copied
     * @param confirmed true if BPCE's 89C3 pages show this bank code
     * @param enabled false if the deployment disabled the bank by configuration
     * @param note a caveat from BPCE's pages; {@code null} is taken as empty
     * @throws IllegalArgumentException when the name is missing or blank
     */
    public Bank {
        Objects.requireNonNull(bkcode, "bkcode");
        Objects.requireNonNull(network, "network");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("bank " + bkcode + " has no name");
        }
        shortName = shortName == null ? "" : shortName;
        aliases = List.copyOf(aliases == null ? List.of() : aliases);
        note = note == null ? "" : note;
    }

    /**
     * This bank, enabled or disabled.
     *
     * @param enable whether the copy is enabled
     * @return a copy that differs only in {@link #enabled()}
     */
    public Bank withEnabled(boolean enable) {
        return new Bank(bkcode, name, shortName, network, aliases, confirmed, enable, note);
    }
}
