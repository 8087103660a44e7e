package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.psd2token.bank.Scope;
import org.junit.jupiter.api.Test;

class ClientCredentialsGrantTest {

    @Test
    void formBodyCarriesGrantTypeClientIdAndScope() {
        var grant = new ClientCredentialsGrant("PSDFR-ACPR-12345", Scope.of("pisp"));
        assertEquals("grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp", grant.formBody());
    }

    @Test
    void formBodyEncodesSpacesOfMultiRoleScopesAndNormalisesOrder() {
        var grant = new ClientCredentialsGrant("PSDFR-ACPR-12345", Scope.of("pisp  aisp"));
        assertEquals("grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=aisp+pisp", grant.formBody());
    }

    @Test
    void formBodyPercentEncodesReservedCharactersOfClientId() {
        var grant = new ClientCredentialsGrant("a&b=c", Scope.PISP);
        assertEquals("grant_type=client_credentials&client_id=a%26b%3Dc&scope=pisp", grant.formBody());
    }

    @Test
    void blankOrNonPrintableClientIdIsRefusedWithTheKeyToSet() {
        var blank = assertThrows(IllegalArgumentException.class, () -> new ClientCredentialsGrant(" ", Scope.PISP));
        assertEquals(true, blank.getMessage().contains("psd2.client-id"));
        assertThrows(IllegalArgumentException.class, () -> new ClientCredentialsGrant("PSDFR ACPR", Scope.PISP));
        assertThrows(IllegalArgumentException.class, () -> new ClientCredentialsGrant("PSDFR\r\nX", Scope.PISP));
    }
}
