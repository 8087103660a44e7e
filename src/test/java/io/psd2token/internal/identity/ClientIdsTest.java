package io.psd2token.internal.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.ClientIdMismatchException;
import io.psd2token.identity.TppIdentity;
import io.psd2token.testbed.TestPki;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the client_id from the QWAC and psd2.client-id / psd2.client-id-linked. */
class ClientIdsTest {

    @TempDir
    static Path dir;

    static TppIdentity identity;

    @BeforeAll
    static void createPki() {
        identity = TppIdentity.of(TestPki.generate(dir).qwacCertificate());
    }

    @Test
    void whenNoClientIdIsConfiguredThenTheQwacsOrganizationIdentifierIsUsed() {
        assertEquals("PSDFR-ACPR-12345", ClientIds.resolve(identity, Optional.empty(), false));
        assertEquals("PSDFR-ACPR-12345", ClientIds.resolve(identity, Optional.of("  "), false));
    }

    @Test
    void whenConfiguredClientIdEqualsTheQwacThenItIsUsed() {
        assertEquals("PSDFR-ACPR-12345", ClientIds.resolve(identity, Optional.of("PSDFR-ACPR-12345"), false));
    }

    @Test
    void whenConfiguredClientIdDiffersThenTheErrorShowsBothValuesAndTheFixes() {
        ClientIdMismatchException e = assertThrows(ClientIdMismatchException.class,
                () -> ClientIds.resolve(identity, Optional.of("PSDFR-ACPR-99999"), false));

        assertEquals("PSDFR-ACPR-99999", e.configuredClientId());
        assertEquals("PSDFR-ACPR-12345", e.organizationIdentifier());
        String m = e.getMessage();
        assertTrue(m.contains("psd2.client-id is \"PSDFR-ACPR-99999\""), m);
        assertTrue(m.contains("organizationIdentifier \"PSDFR-ACPR-12345\""), m);
        assertTrue(m.contains("serial " + identity.serialNumber()), m);
        assertTrue(m.contains("Remove psd2.client-id"), m);
        assertTrue(m.contains("psd2.client-id-linked=true"), m);
    }

    @Test
    void whenConfiguredClientIdDiffersOnlyInCaseThenTheErrorSaysSo() {
        ClientIdMismatchException e = assertThrows(ClientIdMismatchException.class,
                () -> ClientIds.resolve(identity, Optional.of("psdfr-acpr-12345"), false));

        assertTrue(e.getMessage().contains("differ only in letter case"), e.getMessage());
    }

    @Test
    void whenDifferentClientIdIsDeclaredLinkedThenTheConfiguredValueIsUsed() {
        assertEquals("PSDFR-ACPR-99999", ClientIds.resolve(identity, Optional.of("PSDFR-ACPR-99999"), true));
    }

    @Test
    void whenLinkedIsSetButNoClientIdIsConfiguredThenTheQwacsOrganizationIdentifierIsUsed() {
        assertEquals("PSDFR-ACPR-12345", ClientIds.resolve(identity, Optional.empty(), true));
    }
}
