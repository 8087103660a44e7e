package io.psd2token.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScopeTest {

    @Test
    void orderAndRepeatedSpacesDoNotMakeADifferentScope() {
        assertEquals(Scope.of("pisp aisp"), Scope.of("aisp  pisp"));
        assertEquals(Scope.of("pisp aisp").hashCode(), Scope.of(" aisp pisp ").hashCode());
        assertEquals("aisp pisp", Scope.of("pisp aisp aisp").value());
    }

    @Test
    void includesComparesRoleSets() {
        assertTrue(Scope.of("aisp pisp").includes(Scope.PISP));
        assertFalse(Scope.PISP.includes(Scope.of("aisp pisp")));
    }

    @Test
    void emptyTooLongOrIllegalCharactersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Scope.of("  "));
        assertThrows(IllegalArgumentException.class, () -> Scope.of("pisp\"x"));
        assertThrows(IllegalArgumentException.class, () -> Scope.of("pisp\\x"));
        assertThrows(IllegalArgumentException.class, () -> Scope.of("p\u00e9sp"));
        assertThrows(IllegalArgumentException.class, () -> Scope.of("a".repeat(Scope.MAX_LENGTH + 1)));
    }
}
