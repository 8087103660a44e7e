package io.psd2token.identity;

import static io.psd2token.testbed.QwacVariants.issue;
import static io.psd2token.testbed.QwacVariants.printable;
import static io.psd2token.testbed.QwacVariants.subject;
import static io.psd2token.testbed.QwacVariants.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.InvalidQwacException;
import io.psd2token.error.InvalidQwacException.Problem;
import io.psd2token.testbed.QwacVariants;
import io.psd2token.identity.TppIdentity.ExpiryStatus;
import io.psd2token.testbed.TestPki;
import io.psd2token.testbed.TestPki.ClientCertificateSpec;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading the TPP's identity from QWACs issued by the test QTSP, well-formed and not. */
class TppIdentityTest {

    @TempDir
    static Path dir;

    static TestPki pki;
    static ClientCertificateSpec qwacSpec;

    @BeforeAll
    static void createPki() {
        pki = TestPki.generate(dir);
        qwacSpec = ClientCertificateSpec.qwac(pki.qtspCaCredential());
    }

    private static X509Certificate issued(ClientCertificateSpec spec) {
        return TestPki.issueClientCertificate(spec).certificate();
    }

    @Test
    void whenQwacIsWellFormedThenIdentityCarriesItsFields() {
        X509Certificate qwac = pki.qwacCertificate();

        TppIdentity identity = TppIdentity.of(qwac);

        assertEquals("PSDFR-ACPR-12345", identity.organizationIdentifier().value());
        assertEquals(new OrganizationIdentifier("FR", "ACPR", "12345"), identity.organizationIdentifier());
        assertEquals("CN=tpp.example,organizationIdentifier=PSDFR-ACPR-12345,O=Example TPP,C=FR", identity.subject());
        // The test CA's name is encoded CN first, so RFC 2253 (last RDN first) prints C first.
        assertEquals("C=FR,O=psd2-token test QTSP,CN=Test QTSP CA", identity.issuer());
        assertEquals(qwac.getSerialNumber().toString(16).toUpperCase(), identity.serialNumber());
        assertEquals(qwac.getNotBefore().toInstant(), identity.notBefore());
        assertEquals(qwac.getNotAfter().toInstant(), identity.notAfter());
        assertTrue(identity.hasPsd2Statement());
        assertEquals(Set.of(PspRole.PSP_PI), identity.roles());
        assertEquals(Optional.of("ACPR"), identity.ncaName());
        assertEquals(Optional.of("FR-ACPR"), identity.ncaId());
        assertTrue(identity.sha256Fingerprint().matches("[0-9A-F]{64}"), identity.sha256Fingerprint());
    }

    @Test
    void whenOrganizationIdentifierIsAPrintableStringThenItIsRead() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(printable("PSDDE-BAFIN-123456")),
                QwacVariants.psd2Statements("BaFin", "DE-BAFIN", PspRole.PSP_AI.oid()));

        TppIdentity identity = TppIdentity.of(certificate);

        assertEquals("PSDDE-BAFIN-123456", identity.organizationIdentifier().value());
        assertEquals(Set.of(PspRole.PSP_AI), identity.roles());
    }

    @Test
    void whenSubjectHasNoOrganizationIdentifierThenTheErrorSaysItIsNotAPsd2Qwac() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(),
                QwacVariants.psd2Statements("ACPR", "FR-ACPR", PspRole.PSP_PI.oid()));

        InvalidQwacException e = assertThrows(InvalidQwacException.class, () -> TppIdentity.of(certificate));

        assertEquals(Problem.MISSING_ORGANIZATION_IDENTIFIER, e.problem());
        assertTrue(e.getMessage().contains("no organizationIdentifier (OID 2.5.4.97)"), e.getMessage());
        assertTrue(e.getMessage().contains("CN=tpp.example,O=Example TPP,C=FR"), e.getMessage());
        assertTrue(e.getMessage().contains("key-store"), e.getMessage());
        assertTrue(e.bkcode().isEmpty());
    }

    @Test
    void whenSubjectHasTwoOrganizationIdentifiersThenTheClientIdIsAmbiguous() {
        X509Certificate certificate = issue(pki.qtspCaCredential(),
                subject(utf8("PSDFR-ACPR-12345"), utf8("PSDFR-ACPR-67890")), null);

        InvalidQwacException e = assertThrows(InvalidQwacException.class, () -> TppIdentity.of(certificate));

        assertEquals(Problem.AMBIGUOUS_ORGANIZATION_IDENTIFIER, e.problem());
        assertTrue(e.getMessage().contains("2 organizationIdentifier attributes"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "VATFR-12345678901",
        "NTRFR-552100554",
        "psdfr-acpr-12345",
        "PSDfr-ACPR-12345",
        "PSDFR-acpr-12345",
        "PSDFRACPR12345",
        "PSDFR-ACPR",
        "PSDFR-ACPR-",
        "PSDF-ACPR-12345",
        "PSDFRA-ACPR-12345",
        "PSDXX-ACPR-12345",
        "PSD12-ACPR-12345",
        "PSDFR-A-12345",
        "PSDFR-ACPRACPRX-12345",
        "PSDFR-AC1R-12345",
        "PSDFR-AC PR-12345",
        "PSDFR-ACPR-12 345",
        "PSDFR-ACPR-12345 ",
        " PSDFR-ACPR-12345",
        "PSDFR--12345",
    })
    void whenOrganizationIdentifierBreaksThePsd2FormThenTheErrorShowsValueAndExpectedForm(String value) {
        X509Certificate certificate = issued(qwacSpec.withOrganizationIdentifier(value));

        InvalidQwacException e = assertThrows(InvalidQwacException.class, () -> TppIdentity.of(certificate));

        assertEquals(Problem.MALFORMED_ORGANIZATION_IDENTIFIER, e.problem());
        assertTrue(e.getMessage().contains("organizationIdentifier \"" + value + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("expected the form PSDFR-ACPR-12345"), e.getMessage());
        assertTrue(e.getMessage().contains("ETSI TS 119 495 §5.2.1"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PSDFR-ACPR-12345",
        "PSDDE-BAFIN-123456",
        "PSDBE-NBB-0123456789",
        "PSDES-BDE-3DFD21",
        "PSDLT-BOL-LB000123",
        "PSDGB-FCA-123456",
        "PSDBE-NBB-0123.456.789",
    })
    void whenOrganizationIdentifierFollowsThePsd2FormThenItIsTheIdentity(String value) {
        TppIdentity identity = TppIdentity.of(issued(qwacSpec.withOrganizationIdentifier(value)));

        assertEquals(value, identity.organizationIdentifier().value());
    }

    @ParameterizedTest
    @EnumSource(TestPki.PspRole.class)
    void whenQwacListsOneRoleThenIdentityHasExactlyThatRole(TestPki.PspRole role) {
        TppIdentity identity = TppIdentity.of(issued(qwacSpec.withRoles(role)));

        assertEquals(Set.of(PspRole.valueOf(role.name())), identity.roles());
        assertEquals(role.oid(), PspRole.valueOf(role.name()).oid());
    }

    @Test
    void whenQwacListsEveryRoleThenIdentityHasAllFour() {
        TppIdentity identity = TppIdentity.of(issued(qwacSpec.withRoles(TestPki.PspRole.values())));

        assertEquals(EnumSet.allOf(PspRole.class), identity.roles());
    }

    @Test
    void whenPsd2StatementListsNoRoleThenIdentityHasTheStatementButNoRole() {
        TppIdentity identity = TppIdentity.of(issued(qwacSpec.withRoles()));

        assertTrue(identity.hasPsd2Statement());
        assertTrue(identity.roles().isEmpty());
    }

    @Test
    void whenPsd2StatementNamesAnotherAuthorityThenIdentityReportsIt() {
        TppIdentity identity = TppIdentity.of(issued(qwacSpec.withOrganizationIdentifier("PSDDE-BAFIN-123456")
                .withNca("Bundesanstalt fuer Finanzdienstleistungsaufsicht", "DE-BAFIN")));

        assertEquals(Optional.of("Bundesanstalt fuer Finanzdienstleistungsaufsicht"), identity.ncaName());
        assertEquals(Optional.of("DE-BAFIN"), identity.ncaId());
        assertEquals("DE", identity.organizationIdentifier().countryCode());
        assertEquals("BAFIN", identity.organizationIdentifier().authority());
        assertEquals("123456", identity.organizationIdentifier().authorisationNumber());
    }

    @Test
    void whenStatementListsARoleOidEtsiDoesNotDefineThenOnlyKnownRolesRemain() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(utf8("PSDFR-ACPR-12345")),
                QwacVariants.psd2Statements("ACPR", "FR-ACPR", "0.4.0.19495.1.9", PspRole.PSP_AI.oid()));

        assertEquals(Set.of(PspRole.PSP_AI), TppIdentity.of(certificate).roles());
    }

    @Test
    void whenCertificateHasNoQcStatementsThenRolesAreUnknownButIdentityIsRead() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(utf8("PSDFR-ACPR-12345")), null);

        TppIdentity identity = TppIdentity.of(certificate);

        assertEquals("PSDFR-ACPR-12345", identity.organizationIdentifier().value());
        assertFalse(identity.hasPsd2Statement());
        assertTrue(identity.roles().isEmpty());
        assertEquals(Optional.empty(), identity.ncaName());
        assertEquals(Optional.empty(), identity.ncaId());
        assertTrue(identity.toString().contains("roles=unknown (no PSD2 QCStatement)"), identity.toString());
    }

    @Test
    void whenQcStatementsHoldNoPsd2StatementThenRolesAreUnknown() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(utf8("PSDFR-ACPR-12345")),
                QwacVariants.complianceOnly());

        TppIdentity identity = TppIdentity.of(certificate);

        assertFalse(identity.hasPsd2Statement());
        assertTrue(identity.roles().isEmpty());
    }

    @Test
    void whenPsd2StatementIsNotAPsd2QcTypeThenTheQwacIsReportedDefective() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(utf8("PSDFR-ACPR-12345")),
                QwacVariants.malformedPsd2Statement());

        InvalidQwacException e = assertThrows(InvalidQwacException.class, () -> TppIdentity.of(certificate));

        assertEquals(Problem.MALFORMED_QC_STATEMENTS, e.problem());
        assertTrue(e.getMessage().contains("QTSP"), e.getMessage());
    }

    @Test
    void whenPsd2StatementLacksTheNcaIdThenTheQwacIsReportedDefective() {
        X509Certificate certificate = issue(pki.qtspCaCredential(), subject(utf8("PSDFR-ACPR-12345")),
                QwacVariants.truncatedPsd2Statement());

        InvalidQwacException e = assertThrows(InvalidQwacException.class, () -> TppIdentity.of(certificate));

        assertEquals(Problem.MALFORMED_QC_STATEMENTS, e.problem());
    }

    @Test
    void whenClockCrossesTheExpiryBoundariesThenStatusFollows() {
        TppIdentity identity = TppIdentity.of(pki.qwacCertificate());
        Instant notAfter = identity.notAfter();

        assertEquals(ExpiryStatus.NOT_YET_VALID, identity.expiryStatus(at(identity.notBefore().minusMillis(1))));
        assertEquals(ExpiryStatus.VALID, identity.expiryStatus(at(identity.notBefore())));
        assertEquals(ExpiryStatus.VALID, identity.expiryStatus(at(notAfter.minus(Duration.ofDays(30)))));
        assertEquals(ExpiryStatus.EXPIRES_SOON,
                identity.expiryStatus(at(notAfter.minus(Duration.ofDays(30)).plusMillis(1))));
        // RFC 5280 §4.1.2.5: valid through notAfter, inclusive.
        assertEquals(ExpiryStatus.EXPIRES_SOON, identity.expiryStatus(at(notAfter)));
        assertEquals(ExpiryStatus.EXPIRED, identity.expiryStatus(at(notAfter.plusMillis(1))));
    }

    @Test
    void whenTwelveDaysAreLeftThenUntilExpirySaysSoAndAWarningIsDue() {
        TppIdentity identity = TppIdentity.of(pki.qwacCertificate());
        Clock clock = at(identity.notAfter().minus(Duration.ofDays(12)));

        assertEquals(Duration.ofDays(12), identity.untilExpiry(clock));
        String warning = identity.expiryWarning(clock).orElseThrow();
        assertTrue(warning.contains("PSDFR-ACPR-12345"), warning);
        assertTrue(warning.contains("serial " + identity.serialNumber()), warning);
        assertTrue(warning.contains("in 12 days"), warning);
        assertTrue(warning.contains("key-manager init()"), warning);
    }

    @Test
    void instantAndClockReadingsAgree() {
        TppIdentity identity = TppIdentity.of(pki.qwacCertificate());
        Instant now = identity.notAfter().minus(Duration.ofDays(3));

        assertEquals(identity.untilExpiry(at(now)), identity.untilExpiry(now));
        assertEquals(ExpiryStatus.EXPIRES_SOON, identity.expiryStatus(now));
        assertEquals(identity.expiryWarning(at(now)), identity.expiryWarning(now));
    }

    @Test
    void whenMoreThanThirtyDaysAreLeftThenNoWarning() {
        TppIdentity identity = TppIdentity.of(pki.qwacCertificate());

        assertEquals(Optional.empty(), identity.expiryWarning(at(identity.notAfter().minus(Duration.ofDays(31)))));
    }

    @Test
    void whenQwacHasExpiredThenTheWarningSaysBanksRefuseIt() {
        TppIdentity identity = TppIdentity.of(pki.expiredQwacCertificate());

        assertEquals(ExpiryStatus.EXPIRED, identity.expiryStatus(Clock.systemUTC()));
        assertTrue(identity.untilExpiry(Clock.systemUTC()).isNegative());
        assertTrue(identity.expiryWarning(Clock.systemUTC()).orElseThrow().contains("banks refuse every token"));
    }

    @Test
    void toStringNamesTheCertificateButNoKeyMaterial() {
        TestPki.IssuedCertificate qwac = pki.qwac();
        TppIdentity identity = TppIdentity.of(qwac.certificate());

        String text = identity.toString();

        assertTrue(text.contains("organizationIdentifier=PSDFR-ACPR-12345"), text);
        assertTrue(text.contains("roles=[PSP_PI]"), text);
        assertTrue(text.contains("serial=" + identity.serialNumber()), text);
        assertTrue(text.contains("notAfter=" + identity.notAfter()), text);
        assertTrue(text.contains("issuer=C=FR,O=psd2-token test QTSP,CN=Test QTSP CA"), text);
        byte[] key = qwac.privateKey().getEncoded();
        assertFalse(text.contains(Base64.getEncoder().encodeToString(key).substring(0, 24)), text);
        assertFalse(text.toUpperCase().contains(HexFormat.of().withUpperCase().formatHex(key).substring(0, 24)), text);
        assertFalse(text.contains("PRIVATE"), text);
    }

    @Test
    void whenSubjectHoldsControlCharactersThenToStringCannotForgeLogLines() {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.ORGANIZATION_IDENTIFIER, "PSDFR-ACPR-12345")
                .addRDN(BCStyle.CN, "tpp\nSEVERE forged line")
                .build();
        TppIdentity identity = TppIdentity.of(issue(pki.qtspCaCredential(), subject, null));

        assertFalse(identity.toString().contains("\n"), identity.toString());
    }

    @Test
    void whenTheSameCertificateIsReadTwiceThenIdentitiesAreEqual() {
        assertEquals(TppIdentity.of(pki.qwacCertificate()), TppIdentity.of(pki.qwacCertificate()));
        assertEquals(TppIdentity.of(pki.qwacCertificate()).hashCode(),
                TppIdentity.of(pki.qwacCertificate()).hashCode());
        assertNotEquals(TppIdentity.of(pki.qwacCertificate()), TppIdentity.of(pki.expiredQwacCertificate()));
    }

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }
}
