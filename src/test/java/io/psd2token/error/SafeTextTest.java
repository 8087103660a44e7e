package io.psd2token.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bank, certificate and caller text as messages and logs show it. */
class SafeTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"\r\n", "\u0085", "\u2028", "\u2029", "\u202e", "\u200b", "\u0000", "\u001b[31m", "\ufeff"})
    void charactersThatCanForgeOrHideALogLineAreDropped(String separator) {
        // Found by the hardening runs: NEL and U+2028/2029 were kept, so bank text could start a forged log line.
        String forged = SafeText.of("invalid_client" + separator + "INFO fake log line", 200);
        assertFalse(forged.contains(separator), forged);
        assertTrue(forged.startsWith("invalid_client"), forged);
        assertTrue(forged.endsWith("INFO fake log line"), forged);
    }

    @Test
    void ordinaryTextIsKeptAndLengthBounded() {
        assertEquals("Caisse d'Épargne Île-de-France", SafeText.of("Caisse d'Épargne Île-de-France", 100));
        assertEquals("abc...", SafeText.of("abcdef", 3));
        assertEquals("null", SafeText.of(null, 10));
    }

    @Test
    void everyMessageThatQuotesABankOrACallerUsesIt() {
        var e = new TokenRequestRejectedException("13807", 400, SafeText.of("bad\u2028ERROR forged", 64), null, null);
        assertFalse(e.getMessage().contains("\u2028"));
        var bk = org.junit.jupiter.api.Assertions.assertThrows(UnknownBankException.class,
                () -> io.psd2token.bank.Bkcode.of("1380\u2028"));
        assertFalse(bk.getMessage().contains("\u2028"), bk.getMessage());
    }
}
