package io.psd2token.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.UnknownBankException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BkcodeTest {

    @Test
    void fiveDigitsAreABankCode() {
        assertEquals("13807", Bkcode.of("13807").value());
        assertEquals("17515", Bkcode.of("17515").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1380", "138071", "17515.evil.example", "../13807", "%2e%2e", "13807 ",
            " 13807", "1380a", "\u0661\u0663\u0668\u0660\u0667", "13807\n", "13807/x", "1e3", "-1380"})
    void anythingElseIsAnUnknownBankBeforeAnyUrlIsBuilt(String hostile) {
        UnknownBankException e = assertThrows(UnknownBankException.class, () -> Bkcode.of(hostile));
        assertTrue(e.getMessage().contains("five digits"));
        assertFalse(e.getMessage().contains("\n"), "control characters are escaped in the message");
    }

    @Test
    void nullIsAnUnknownBank() {
        assertThrows(UnknownBankException.class, () -> Bkcode.of(null));
    }

    @Test
    void hostileInputIsShownBounded() {
        UnknownBankException e = assertThrows(UnknownBankException.class, () -> Bkcode.of("9".repeat(10_000)));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }
}
