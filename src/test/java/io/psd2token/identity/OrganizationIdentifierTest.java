package io.psd2token.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The PSD2 organizationIdentifier form of ETSI TS 119 495 §5.2.1, read from text. */
class OrganizationIdentifierTest {

    @ParameterizedTest
    @CsvSource({
        "PSDFR-ACPR-12345, FR, ACPR, 12345",
        "PSDDE-BAFIN-123456, DE, BAFIN, 123456",
        "PSDBE-NBB-0123456789, BE, NBB, 0123456789",
        "PSDES-BDE-3DFD21, ES, BDE, 3DFD21",
        // ETSI leaves the authorisation number's characters to the authority, hyphens included.
        "PSDIE-CBI-C-123456, IE, CBI, C-123456",
    })
    void whenTextFollowsTheFormThenPartsAreSplitAtTheFirstTwoHyphens(String text, String country, String authority,
            String number) {
        OrganizationIdentifier identifier = OrganizationIdentifier.parse(text);

        assertEquals(new OrganizationIdentifier(country, authority, number), identifier);
        assertEquals(text, identifier.value());
        assertEquals(text, identifier.toString());
    }

    @Test
    void whenCountryIsNotIsoThenTheMessageNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrganizationIdentifier.parse("PSDXX-ACPR-12345"));

        assertTrue(e.getMessage().contains("the country \"XX\" is not an ISO 3166-1"), e.getMessage());
    }

    @Test
    void whenAuthorityIsTooLongThenTheMessageNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrganizationIdentifier.parse("PSDFR-ABCDEFGHI-12345"));

        assertTrue(e.getMessage().contains("\"ABCDEFGHI\" is not 2 to 8 capital letters"), e.getMessage());
    }

    @Test
    void whenPrefixIsLowerCaseThenTheMessageAsksForCapitals() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrganizationIdentifier.parse("psdfr-acpr-12345"));

        assertTrue(e.getMessage().contains("must be in capitals"), e.getMessage());
    }

    @Test
    void whenIdentifierIsOfAnotherTypeThenTheMessageSaysItNamesNoPsd2Authorisation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrganizationIdentifier.parse("VATFR-12345678901"));

        assertTrue(e.getMessage().contains("names no PSD2 authorisation"), e.getMessage());
    }
}
