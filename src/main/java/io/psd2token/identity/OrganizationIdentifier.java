package io.psd2token.identity;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PSD2 organizationIdentifier (ETSI TS 119 495 §5.2.1, GEN-5.2.1-3): {@code PSD}, the ISO 3166-1 country of the
 * national competent authority, {@code -}, the authority's 2 to 8 letter identifier, {@code -}, and the
 * authorisation number the authority gave the PSP, e.g. {@code PSDFR-ACPR-12345} or {@code PSDES-BDE-3DFD21}.
 * It is the TPP's OAuth2 {@code client_id} at BPCE banks.
 *
 * @param countryCode the two capital letters of the authority's country, e.g. {@code FR}
 * @param authority the authority's identifier, 2 to 8 capital letters A-Z, e.g. {@code ACPR}
 * @param authorisationNumber the number the authority gave the PSP; ETSI leaves its characters to the authority,
 *        so only whitespace and control characters are refused
 */
public record OrganizationIdentifier(String countryCode, String authority, String authorisationNumber) {

    private static final String EXAMPLE = "PSDFR-ACPR-12345";
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern AUTHORITY = Pattern.compile("[A-Z]{2,8}");
    // ETSI puts no restriction on the authorisation number; whitespace and control characters cannot be meant.
    private static final Pattern AUTHORISATION_NUMBER = Pattern.compile("[^\\p{Cntrl}\\p{Z}\\s]+");
    private static final Pattern FORM = Pattern.compile("PSD([^-]*)-([^-]*)-(.*)", Pattern.DOTALL);
    private static final Set<String> ISO_COUNTRIES = Set.of(Locale.getISOCountries());

    /**
     * Checks the parts.
     *
     * @param countryCode an ISO 3166-1 two-letter country code in capitals, e.g. {@code FR}
     * @param authority 2 to 8 capital letters A-Z, e.g. {@code ACPR}
     * @param authorisationNumber not empty, without whitespace or control characters
     * @throws IllegalArgumentException saying which part breaks ETSI TS 119 495 §5.2.1
     */
    public OrganizationIdentifier {
        Objects.requireNonNull(countryCode, "countryCode");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(authorisationNumber, "authorisationNumber");
        if (!COUNTRY.matcher(countryCode).matches() || !ISO_COUNTRIES.contains(countryCode)) {
            throw new IllegalArgumentException("the country \"" + TppIdentity.printable(countryCode)
                    + "\" is not an ISO 3166-1 two-letter code in capitals");
        }
        if (!AUTHORITY.matcher(authority).matches()) {
            throw new IllegalArgumentException("the competent authority \"" + TppIdentity.printable(authority)
                    + "\" is not 2 to 8 capital letters A-Z");
        }
        if (!AUTHORISATION_NUMBER.matcher(authorisationNumber).matches()) {
            throw new IllegalArgumentException("the authorisation number after the second hyphen is empty or holds"
                    + " whitespace or control characters");
        }
    }

    /**
     * Reads the text form.
     *
     * @param text the identifier as written in the certificate or the configuration, e.g. {@code PSDFR-ACPR-12345}
     * @return the identifier, its three parts checked
     * @throws IllegalArgumentException whose message says which rule the text breaks and shows the expected form
     */
    public static OrganizationIdentifier parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.regionMatches(true, 0, "PSD", 0, 3) && !text.startsWith("PSD")) {
            throw new IllegalArgumentException("\"PSD\", the country and the authority must be in capitals;"
                    + " expected the form " + EXAMPLE);
        }
        if (!text.startsWith("PSD")) {
            throw new IllegalArgumentException("it does not start with \"PSD\", so it names no PSD2 authorisation"
                    + " (a VAT or trade-register identifier is not enough); expected the form " + EXAMPLE);
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("it is not \"PSD\" + country + \"-\" + authority + \"-\""
                    + " + authorisation number; expected the form " + EXAMPLE);
        }
        try {
            return new OrganizationIdentifier(m.group(1), m.group(2), m.group(3));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; expected the form " + EXAMPLE, e);
        }
    }

    /**
     * The text form, e.g. {@code PSDFR-ACPR-12345}: the client_id.
     *
     * @return the identifier as {@link #parse(String)} reads it, ready to send as {@code client_id}
     */
    public String value() {
        return "PSD" + countryCode + "-" + authority + "-" + authorisationNumber;
    }

    /** The text form, e.g. {@code PSDFR-ACPR-12345}. */
    @Override
    public String toString() {
        return value();
    }
}
