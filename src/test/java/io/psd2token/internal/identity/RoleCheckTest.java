package io.psd2token.internal.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.InvalidQwacException;
import io.psd2token.identity.PspRole;
import io.psd2token.testbed.QwacVariants;
import io.psd2token.identity.ScopeRoles;
import io.psd2token.identity.TppIdentity;
import io.psd2token.error.ConfigurationException;
import io.psd2token.internal.config.Psd2Keys;
import io.psd2token.bank.Scope;
import io.psd2token.error.InvalidQwacException.Problem;
import io.psd2token.testbed.TestPki;
import io.psd2token.testbed.TestPki.ClientCertificateSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which PSD2 roles a scope needs, and what each role-check policy does when the QWAC lacks one. */
class RoleCheckTest {

    @TempDir
    static Path dir;

    static TestPki pki;
    static TppIdentity paymentInitiator;

    @BeforeAll
    static void createPki() {
        pki = TestPki.generate(dir);
        paymentInitiator = TppIdentity.of(pki.qwacCertificate());
    }

    private static TppIdentity withRoles(TestPki.PspRole... roles) {
        return TppIdentity.of(TestPki.issueClientCertificate(
                ClientCertificateSpec.qwac(pki.qtspCaCredential()).withRoles(roles)).certificate());
    }

    @Test
    void eachBpceScopeRoleNeedsItsPsd2Role() {
        assertEquals(Optional.of(PspRole.PSP_PI), ScopeRoles.requiredFor("pisp"));
        assertEquals(Optional.of(PspRole.PSP_AI), ScopeRoles.requiredFor("aisp"));
        assertEquals(Optional.of(PspRole.PSP_IC), ScopeRoles.requiredFor("cbpii"));
        assertEquals(EnumSet.of(PspRole.PSP_PI, PspRole.PSP_AI, PspRole.PSP_IC),
                ScopeRoles.requiredFor(Scope.of("pisp aisp cbpii")));
    }

    @ParameterizedTest
    @ValueSource(strings = { "openid", "PISP", "extended_transaction_history" })
    void unknownScopeRolesSetNoRequirement(String scopeRole) {
        assertEquals(Optional.empty(), ScopeRoles.requiredFor(scopeRole));
        assertTrue(ScopeRoles.requiredFor(Scope.of(scopeRole)).isEmpty());
    }

    @ParameterizedTest(name = "QWAC roles [{0}], scope \"{1}\" -> missing [{2}]")
    @CsvSource(delimiter = '|', value = {
        "PSP_PI        | pisp             | ''",
        "PSP_PI        | aisp             | PSP_AI",
        "PSP_PI        | cbpii            | PSP_IC",
        "PSP_AI        | aisp             | ''",
        "PSP_IC        | cbpii            | ''",
        "PSP_PI PSP_AI | pisp aisp        | ''",
        "PSP_PI PSP_AI | pisp aisp cbpii  | PSP_IC",
        "PSP_AS        | pisp aisp        | PSP_PI PSP_AI",
        "''            | pisp             | PSP_PI",
        "PSP_PI        | pisp openid      | ''",
        "''            | openid           | ''",
    })
    void missingRolesAreThoseTheScopeNeedsAndTheQwacLacks(String qwacRoles, String scope, String expected) {
        TppIdentity identity = withRoles(roles(qwacRoles).stream().map(r -> TestPki.PspRole.valueOf(r.name()))
                .toArray(TestPki.PspRole[]::new));

        assertEquals(roles(expected), identity.missingRolesFor(Scope.of(scope)));
    }

    @Test
    void whenRoleIsMissingThenWarnReturnsAMessageNamingRoleScopeAndBank() {
        String warning = RoleCheck.WARN.check(paymentInitiator, Scope.of("aisp"), "13807").orElseThrow();

        assertTrue(warning.startsWith("bank 13807: "), warning);
        assertTrue(warning.contains("scope \"aisp\" needs PSD2 role [PSP_AI]"), warning);
        assertTrue(warning.contains("lists only [PSP_PI]"), warning);
        assertTrue(warning.contains("psd2.identity.role-check=off"), warning);
    }

    @Test
    void whenRoleIsMissingThenRefuseThrowsBeforeAnythingIsSent() {
        InvalidQwacException e = assertThrows(InvalidQwacException.class,
                () -> RoleCheck.REFUSE.check(paymentInitiator, Scope.of("pisp cbpii"), "17515"));

        assertEquals(Problem.MISSING_PSP_ROLE, e.problem());
        assertEquals(Optional.of("17515"), e.bkcode());
        assertTrue(e.getMessage().contains("[PSP_IC]"), e.getMessage());
    }

    @Test
    void whenRoleIsMissingThenOffSaysNothing() {
        assertEquals(Optional.empty(), RoleCheck.OFF.check(paymentInitiator, Scope.of("aisp"), "13807"));
    }

    @Test
    void whenQwacHasTheRoleThenNoPolicyComplains() {
        for (RoleCheck policy : RoleCheck.values()) {
            assertEquals(Optional.empty(), policy.check(paymentInitiator, Scope.of("pisp"), "13807"), policy.name());
        }
    }

    @Test
    void whenQwacHasNoPsd2StatementThenTheWarningSaysRolesAreUnknown() {
        TppIdentity noStatement = TppIdentity.of(QwacVariants.issue(pki.qtspCaCredential(),
                QwacVariants.subject(QwacVariants.utf8("PSDFR-ACPR-12345")), null));

        String warning = RoleCheck.WARN.check(noStatement, Scope.of("pisp"), null).orElseThrow();

        assertTrue(warning.startsWith("scope \"pisp\""), warning);
        assertTrue(warning.contains("has no PSD2 QCStatement"), warning);
    }

    @ParameterizedTest
    @CsvSource({ "warn, WARN", "WARN, WARN", "' Refuse ', REFUSE", "off, OFF", "OFF, OFF" })
    void configuredValuesAreReadCaseInsensitively(String value, RoleCheck expected) {
        assertEquals(expected, Psd2Keys.ROLE_CHECK.read(k -> Optional.ofNullable(value)).orElseThrow());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "  " })
    void whenNothingIsConfiguredThenTheDefaultIsWarn(String value) {
        assertEquals(RoleCheck.WARN, Psd2Keys.ROLE_CHECK.read(k -> Optional.ofNullable(value)).orElseThrow());
    }

    @Test
    void whenValueIsUnknownThenConfigurationErrorNamesTheKeyAndTheChoices() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Psd2Keys.ROLE_CHECK.read(k -> Optional.of("block")));

        assertTrue(e.getMessage().contains("psd2.identity.role-check must be warn, refuse or off, got \"block\""),
                e.getMessage());
    }

    private static Set<PspRole> roles(String names) {
        return names.isBlank() ? EnumSet.noneOf(PspRole.class)
                : Arrays.stream(names.trim().split(" +")).map(PspRole::valueOf)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(PspRole.class)));
    }
}
