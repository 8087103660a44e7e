package io.psd2token.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.ConfigurationException;
import io.psd2token.error.UnknownBankException;
import io.psd2token.internal.config.Psd2Config;
import java.io.StringReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class BankDirectoryTest {

    private final Map<String, String> config = new HashMap<>();

    private BankDirectory directory() {
        return Psd2Config.read(key -> Optional.ofNullable(config.get(key))).directory();
    }

    private static List<String> codes(List<Bank> banks) {
        return banks.stream().map(b -> b.bkcode().value()).toList();
    }

    // The shipped list

    @Test
    void theShippedListHoldsTheTwoDemoBanksWithTheirNamesAndNetworks() {
        BankDirectory d = BankDirectory.defaults();
        Bank bpgo = d.require("13807");
        assertEquals("Banque Populaire Grand Ouest", bpgo.name());
        assertEquals("BPGO", bpgo.shortName());
        assertEquals(Network.BANQUE_POPULAIRE, bpgo.network());
        assertTrue(bpgo.confirmed());
        assertTrue(bpgo.aliases().contains("B.P Grand Ouest"), "BPCE's own spelling stays findable");
        Bank ceidf = d.require("17515");
        assertEquals("Caisse d'Epargne Ile-de-France", ceidf.name());
        assertEquals("CEIDF", ceidf.shortName());
        assertEquals(Network.CAISSE_EPARGNE, ceidf.network());
        assertTrue(ceidf.confirmed());
    }

    @Test
    void theShippedListHasEveryInstitutionOfTheReferenceWithItsConfidence() {
        BankDirectory d = BankDirectory.defaults();
        assertEquals(30, d.all().size());
        assertEquals(15, d.all().stream().filter(b -> b.network() == Network.CAISSE_EPARGNE).count());
        assertEquals(13, d.all().stream().filter(b -> b.network() == Network.BANQUE_POPULAIRE).count());
        assertEquals(List.of("12579", "13807", "17515", "30007"), codes(d.all().stream().filter(Bank::confirmed).toList()));
        assertTrue(d.all().stream().allMatch(Bank::enabled));
        assertTrue(d.require("10107").note().contains("except BRED"), "the BRED caveat travels with the data");
    }

    @Test
    void allIsInBankCodeOrder() {
        List<String> codes = codes(BankDirectory.defaults().all());
        assertEquals(codes.stream().sorted().toList(), codes);
    }

    // Search

    @Test
    void aSecondBrandOfTheSameCodeIsFoundByItsAliases() {
        BankDirectory d = BankDirectory.defaults();
        assertEquals(List.of("13807"), codes(d.search("CMMGO", null)));
        assertEquals(List.of("13807"), codes(d.search("credit maritime", null)));
        assertEquals(List.of("13807"), codes(d.search("B.P grand ouest", null)));
    }

    @Test
    void searchIgnoresCaseAccentsAndPunctuation() {
        BankDirectory d = BankDirectory.defaults();
        assertEquals(List.of("17515"), codes(d.search("ile de france", null)));
        assertEquals(List.of("17515"), codes(d.search("ÎLE-DE-FRANCE", null)));
        assertEquals(List.of("17515"), codes(d.search("caisse d\u2019epargne ile", null)), "typographic apostrophe");
        assertEquals(List.of("13135"), codes(d.search("midi pyrenees", null)));
        assertEquals(List.of("18315"), codes(d.search("cote d'azur", null)));
        assertEquals(List.of("14265"), codes(d.search("celda", null)), "short name");
        assertEquals(List.of("17515"), codes(d.search("17515", null)), "bank code");
    }

    @Test
    void epargneFindsEveryCaisseDEpargneAndNothingElse() {
        List<Bank> found = BankDirectory.defaults().search("epargne", null);
        assertEquals(15, found.size());
        assertTrue(found.stream().allMatch(b -> b.network() == Network.CAISSE_EPARGNE));
    }

    @Test
    void theNetworkFilterKeepsOneNetwork() {
        BankDirectory d = BankDirectory.defaults();
        assertEquals(13, d.search(null, Network.BANQUE_POPULAIRE).size());
        assertEquals(List.of("12579", "30007"), codes(d.search("", Network.OTHER)));
        assertEquals(List.of("16807"), codes(d.search("auvergne", Network.BANQUE_POPULAIRE)));
        assertEquals(List.of("18715"), codes(d.search("auvergne", Network.CAISSE_EPARGNE)));
        assertEquals(List.of(), d.search("epargne", Network.BANQUE_POPULAIRE));
    }

    @Test
    void everyQueryWordMustBeginAWordOfTheBank() {
        BankDirectory d = BankDirectory.defaults();
        assertEquals(List.of("17515"), codes(d.search("ile fra", null)));
        assertEquals(List.of(), d.search("ile de bretagne", null));
        assertEquals(List.of(), d.search("pargne", null), "a word is matched from its start");
    }

    @Test
    void anOverlongQueryIsRefused() {
        BankDirectory d = BankDirectory.defaults();
        var e = assertThrows(IllegalArgumentException.class, () -> d.search("a".repeat(101), null));
        assertFalse(e.getMessage().contains("aaa"), "the query is not echoed");
        assertEquals(30, d.search("x".repeat(0), null).size());
    }

    @Test
    void networkNamesAreReadLeniently() {
        assertEquals(Network.CAISSE_EPARGNE, Network.parse("caisse-epargne"));
        assertEquals(Network.BANQUE_POPULAIRE, Network.parse(" Banque Populaire "));
        var e = assertThrows(IllegalArgumentException.class, () -> Network.parse("<script>"));
        assertFalse(e.getMessage().contains("script"));
    }

    // Configuration

    @Test
    void aBankDeclaredByConfigurationIsFoundAndRequired() {
        config.put("psd2.banks.extra", "99001, 99002");
        config.put("psd2.bank.99001.name", "Banque Exemple du Léman");
        config.put("psd2.bank.99001.short-name", "BEL");
        config.put("psd2.bank.99001.network", "banque-populaire");
        config.put("psd2.bank.99001.aliases", "Exemple Léman|BEXL");
        BankDirectory d = directory();
        Bank added = d.require("99001");
        assertEquals("Banque Exemple du Léman", added.name());
        assertEquals(Network.BANQUE_POPULAIRE, added.network());
        assertFalse(added.confirmed(), "configuration is not an 89C3 page");
        assertEquals(List.of("99001"), codes(d.search("leman", Network.BANQUE_POPULAIRE)));
        assertEquals(List.of("99001"), codes(d.search("bexl", null)));
        assertEquals("Bank 99002", d.require("99002").name(), "a declared bank without a name gets a plain one");
        assertEquals(32, d.all().size());
    }

    @Test
    void configurationOverridesAShippedEntryButNotItsConfidence() {
        config.put("psd2.bank.17515.name", "CE IDF");
        config.put("psd2.bank.17515.network", "OTHER");
        config.put("psd2.banks.extra", "17515");
        Bank b = directory().require("17515");
        assertEquals("CE IDF", b.name());
        assertEquals("CEIDF", b.shortName());
        assertEquals(Network.OTHER, b.network());
        assertTrue(b.confirmed());
    }

    @Test
    void everyBadDirectoryValueIsCollectedAndLoadReportsThemAtOnce() {
        Map<String, String> bad = Map.of("psd2.bank.17515.enabled", "maybe", "psd2.bank.13807.network", "BANK",
                "psd2.banks.only", "13807,99999");
        Psd2Config read = new Psd2Config(key -> Optional.ofNullable(bad.get(key)));
        assertEquals(3, read.problems().size(), read.problems().toString());
        assertTrue(read.directory().find(Bkcode.of("17515")).isPresent(), "the shipped entry stands in for the bad value");
        var e = assertThrows(ConfigurationException.class, () -> Psd2Config.read(key -> Optional.ofNullable(bad.get(key))));
        assertTrue(e.getMessage().startsWith("psd2-token configuration has 3 problems"), e.getMessage());
        assertTrue(new Psd2Config(key -> Optional.empty()).problems().isEmpty());
    }

    @Test
    void aDisabledBankIsKnownButRefusedWithTheKeyThatEnablesIt() {
        config.put("psd2.bank.10107.enabled", "false");
        BankDirectory d = directory();
        assertFalse(d.find(Bkcode.of("10107")).orElseThrow().enabled());
        assertEquals(List.of(), d.search("bred", null), "a PSU cannot pick it");
        var e = assertThrows(UnknownBankException.class, () -> d.require("10107"));
        assertTrue(e.getMessage().contains("psd2.bank.10107.enabled=true"), e.getMessage());
    }

    @Test
    void onlyListedBanksStayEnabledUnlessOneIsEnabledExplicitly() {
        config.put("psd2.banks.only", "13807,17515,12579");
        config.put("psd2.bank.30007.enabled", "true");
        BankDirectory d = directory();
        assertEquals(List.of("12579", "13807", "17515", "30007"), codes(d.search(null, null)));
        var e = assertThrows(UnknownBankException.class, () -> d.require("11315"));
        assertTrue(e.getMessage().contains("psd2.banks.only"), e.getMessage());
        assertEquals(30, d.all().size(), "disabled banks remain in the directory");
    }

    @Test
    void anUnknownBankIsRefusedWithTheKeysThatDeclareIt() {
        var e = assertThrows(UnknownBankException.class, () -> BankDirectory.defaults().require("00000"));
        assertTrue(e.getMessage().contains("psd2.banks.extra=00000"), e.getMessage());
        assertTrue(e.getMessage().contains("psd2.bank.00000.name"), e.getMessage());
    }

    @Test
    void invalidConfigurationFailsNamingTheKey() {
        assertConfigError("psd2.banks.extra", "13807,1380x", "psd2.banks.extra");
        assertConfigError("psd2.banks.only", "99999", "psd2.banks.only");
        assertConfigError("psd2.bank.13807.network", "CREDIT_AGRICOLE", "psd2.bank.13807.network");
        assertConfigError("psd2.bank.13807.enabled", "no", "psd2.bank.13807.enabled");
    }

    private void assertConfigError(String key, String value, String named) {
        config.clear();
        config.put(key, value);
        var e = assertThrows(ConfigurationException.class, this::directory, key);
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void blankValuesMeanNotSet() {
        config.put("psd2.banks.only", " ");
        config.put("psd2.bank.13807.name", "");
        BankDirectory d = directory();
        assertEquals(30, d.search(null, null).size());
        assertEquals("Banque Populaire Grand Ouest", d.require("13807").name());
    }

    // The require guard against hostile input

    static Stream<Arguments> hostileCodes() {
        return Stream.of(
                Arguments.of("17515.evil.example"),
                Arguments.of("../"),
                Arguments.of("%2e"),
                Arguments.of("%2e%2e%2f13807"),
                Arguments.of(" 13807"),
                Arguments.of("13807 "),
                Arguments.of("138 07"),
                Arguments.of("138071"),
                Arguments.of("\u0661\u0663\u0668\u0660\u0667"),
                Arguments.of("\uff11\uff13\uff18\uff10\uff17"),
                Arguments.of("13807\r\nX-Injected: 1"),
                Arguments.of(""),
                Arguments.of((String) null),
                Arguments.of("00000"),
                Arguments.of("99999"),
                Arguments.of("9".repeat(100_000)));
    }

    @ParameterizedTest
    @MethodSource("hostileCodes")
    void requireRefusesAnythingButAnEnabledKnownBankWithABoundedMessage(String hostile) {
        UnknownBankException e = assertThrows(UnknownBankException.class,
                () -> BankDirectory.defaults().require(hostile));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), "no line breaks reach a log");
    }

    // The data file itself

    @ParameterizedTest
    @ValueSource(strings = {
        "13807\tBP\tBPGO\tBANQUE_POPULAIRE",
        "1380x\tBP\tBPGO\tBANQUE_POPULAIRE\ttrue",
        "13807\t \tBPGO\tBANQUE_POPULAIRE\ttrue",
        "13807\tBP\tBPGO\tCREDIT_AGRICOLE\ttrue",
        "13807\tBP\tBPGO\tBANQUE_POPULAIRE\tyes",
        "13807\tBP\tBPGO\tBANQUE_POPULAIRE\ttrue\t\t\textra",
        "13807\tBP\tBPGO\tBANQUE_POPULAIRE\ttrue\n13807\tCMM\tCMMGO\tOTHER\ttrue",
    })
    void aMalformedLineFailsNamingItsLineNumber(String rows) {
        String text = "# comment\n" + String.join("\t", BankDirectory.HEADER) + "\n" + rows + "\n";
        var e = assertThrows(IllegalStateException.class,
                () -> BankDirectory.parse(new StringReader(text), "test.tsv"));
        assertTrue(e.getMessage().startsWith("test.tsv line "), e.getMessage());
    }

    @Test
    void aListWithoutItsHeaderRowIsRefused() {
        var e = assertThrows(IllegalStateException.class, () -> BankDirectory.parse(
                new StringReader("13807\tBP\tBPGO\tBANQUE_POPULAIRE\ttrue\n"), "test.tsv"));
        assertTrue(e.getMessage().contains("header"), e.getMessage());
    }

    @Test
    void optionalColumnsMayBeLeftOut() {
        String text = String.join("\t", BankDirectory.HEADER) + "\n13807\tBP\t\tbanque_populaire\tTRUE\n";
        Bank b = BankDirectory.parse(new StringReader(text), "test.tsv").get(0);
        assertEquals(List.of(), b.aliases());
        assertEquals("", b.shortName());
        assertEquals("", b.note());
    }

    @Test
    void theDirectoryIsImmutable() {
        BankDirectory d = BankDirectory.defaults();
        assertThrows(UnsupportedOperationException.class, () -> d.all().clear());
        assertThrows(UnsupportedOperationException.class, () -> d.search(null, null).clear());
        assertThrows(UnsupportedOperationException.class, () -> d.require("13807").aliases().clear());
        assertSame(d.all(), d.all());
    }

    @Test
    void toStringIsShortAndSafeToLog() {
        config.put("psd2.bank.10107.enabled", "false");
        assertEquals("BankDirectory[30 banks, 29 enabled]", directory().toString());
    }
}
