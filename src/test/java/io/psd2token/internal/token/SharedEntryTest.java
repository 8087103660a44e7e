package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.token.AccessToken;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The text the cluster keeps for one (bank, scope): what a node writes, it reads back; nothing else passes. */
class SharedEntryTest {

    private static final String QWAC = "0123456789ABCDEF".repeat(4);
    private static final Instant EXPIRY = Instant.parse("2026-11-25T11:00:00Z");
    private static final AccessToken TOKEN = new AccessToken(Bkcode.of("13807"), "eyJhbGciOi.secret-value_42",
            "bearer", Scope.of("aisp"), Scope.of("pisp aisp"), Duration.ofHours(1), EXPIRY);

    @Test
    void whatANodeWritesAnotherReadsBackAsAnEqualToken() {
        SharedEntry entry = SharedEntry.of(TOKEN, QWAC);
        SharedEntry read = SharedEntry.parse(entry.encode());
        assertEquals(entry, read);
        assertEquals(TOKEN, read.accessToken());
        assertEquals(TOKEN.requestedScope(), read.accessToken().requestedScope());
        assertEquals(Duration.ofHours(1), read.lifetime());
        assertTrue(entry.encode().startsWith(SharedEntry.VERSION + "\n13807\naisp pisp\naisp\nbearer\n"));
    }

    @Test
    void toStringNeverShowsTheToken() {
        String text = SharedEntry.of(TOKEN, QWAC).toString();
        assertFalse(text.contains("secret"), text);
        assertTrue(text.contains("26 characters, hidden"), text);
    }

    @Test
    void onlyTextOfThisFormatPassesAndTheRefusalNeverQuotesIt() {
        String good = SharedEntry.of(TOKEN, QWAC).encode();
        String[] bad = {
            "secret-value",
            good.replace(SharedEntry.VERSION, "psd2-token-shared/2"),
            good + "\nextra",
            good.replace("secret-value_42", "secret-value_42\r"),
            good.replace("secret-value_42", "secret value"),
            good.replace("\nbearer\n", "\nMAC\n"),
            good.replace(QWAC, "abc"),
            good.replace("\n13807\n", "\n1380\n"),
            good.replace(Long.toString(EXPIRY.toEpochMilli()), "-5"),
            "x".repeat(20_000),
        };
        for (String text : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedEntry.parse(text));
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
    }

    @Test
    void keysNameTheBankAndTheNormalisedScope() {
        assertEquals("token/13807/aisp pisp", SharedEntry.tokenKey(Bkcode.of("13807"), Scope.of("pisp  aisp")));
        assertEquals("lease/13807/pisp", SharedEntry.leaseKey(Bkcode.of("13807"), Scope.PISP));
        assertTrue(SharedEntry.tokenKey(Bkcode.of("13807"), Scope.PISP).startsWith(SharedEntry.tokenPrefix(
                Bkcode.of("13807"))));
    }
}
