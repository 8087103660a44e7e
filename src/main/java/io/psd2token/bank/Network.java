package io.psd2token.bank;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The Groupe BPCE network a bank belongs to, as a PSU would group banks when picking theirs. */
public enum Network {

    /** A Banque Populaire (including BRED and Banque de Savoie). */
    BANQUE_POPULAIRE,
    /** A Caisse d'Epargne. */
    CAISSE_EPARGNE,
    /** Any other institution reached through the 89C3 API (Banque BCP, Crédit Maritime, Natixis, ...). */
    OTHER;

    /**
     * Reads a network name as a person or an environment variable would write it: case does not matter and
     * hyphens or spaces stand for underscores ({@code caisse-epargne} is {@link #CAISSE_EPARGNE}).
     *
     * @param text the network's name, e.g. {@code BANQUE_POPULAIRE} or {@code caisse epargne}
     * @return the network named
     * @throws IllegalArgumentException naming the valid values, when {@code text} is none of them
     */
    public static Network parse(String text) {
        String name = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (Network n : values()) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("not a network: expected one of "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
