package io.psd2token.internal.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.ClientIdMismatchException;
import io.psd2token.error.ConfigurationException;
import io.psd2token.error.InvalidQwacException;
import io.psd2token.identity.TppIdentity;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the QWAC allows, read from the simulator over real TLS: the client_id, the role check before every
 * request, and the difference between a first read and a rotation.
 */
class QwacWatcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static TestPki pki;
    static BankSimulator bank;
    static SSLContext qwac;

    private final List<String> rotations = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        pki = TestPki.generate(dir);
        bank = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        qwac = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
    }

    @AfterAll
    static void stop() {
        bank.close();
    }

    private QwacWatcher watcher(URI probe, AtomicReference<SSLContext> context, Optional<String> configured) {
        return new QwacWatcher(probe, uri -> context.get(), TIMEOUT, TIMEOUT, configured, false,
                (before, now) -> rotations.add(before.serialNumber() + " -> " + now.serialNumber()), Clock.systemUTC());
    }

    @Test
    void theClientIdIsTheQwacsOrganizationIdentifier() {
        QwacWatcher w = watcher(bank.tokenEndpoint("13807"), new AtomicReference<>(qwac), Optional.empty());
        assertEquals("PSDFR-ACPR-12345", w.readAtStart().orElseThrow().organizationIdentifier().value());
        assertEquals("PSDFR-ACPR-12345", w.clientId());
    }

    @Test
    void aProbeBankDownAtStartIsReadLaterAndThatFirstReadIsCheckedLikeAtStartNotARotation() {
        // The probe bank was unreachable at start: the periodic check read the identity later, called it a
        // rotation (tokens dropped, event fired) and never compared it with the configured client id.
        bank.setFault("17515", BankSimulator.Fault.SILENT_AFTER_CONNECT);
        QwacWatcher w = new QwacWatcher(bank.dedicatedTokenEndpoint("17515"), uri -> qwac, Duration.ofMillis(500),
                Duration.ofMillis(500), Optional.of("PSDFR-ACPR-99999"), false,
                (before, now) -> rotations.add("rotation"), Clock.systemUTC());
        assertTrue(w.readAtStart().isEmpty(), "unreachable at start: not fatal with a configured client id");
        assertEquals("PSDFR-ACPR-99999", w.clientId(), "the configured one is used meanwhile");
        assertEquals(Duration.ofSeconds(30), w.nextCheckIn(Duration.ofMinutes(5)), "read again soon");
        bank.clearFault("17515");
        var mismatch = assertThrows(ClientIdMismatchException.class, w::check);
        assertTrue(mismatch.getMessage().contains("PSDFR-ACPR-99999"), mismatch.getMessage());
        assertEquals(List.of(), rotations, "a first read is not a rotation");
        assertThrows(ClientIdMismatchException.class, w::clientId, "requests are refused as at start");
        assertEquals(Duration.ofMinutes(5), w.nextCheckIn(Duration.ofMinutes(5)));
    }

    @Test
    void anotherCertificateOnALaterReadIsARotation() throws Exception {
        AtomicReference<SSLContext> context = new AtomicReference<>(qwac);
        QwacWatcher w = watcher(bank.tokenEndpoint("13807"), context, Optional.empty());
        TppIdentity first = w.readAtStart().orElseThrow();
        w.check();
        assertEquals(List.of(), rotations, "the same certificate: nothing happens");
        context.set(ClientTls.of(pki, pki.expiredQwacKeyStore(), pki.clientTrustStore()));
        TppIdentity now = w.check().orElseThrow();
        assertEquals(List.of(first.serialNumber() + " -> " + now.serialNumber()), rotations);
        assertEquals("PSDFR-ACPR-12345", w.clientId());
    }

    @Test
    void withoutAProbeBankAClientIdMustBeConfigured() {
        // Start-up checks that let a broken setup through: probe-bank=none without a client id deployed fine.
        var e = assertThrows(ConfigurationException.class, () -> watcher(null, new AtomicReference<>(qwac),
                Optional.empty()));
        assertTrue(e.getMessage().contains("psd2.identity.probe-bank=none needs psd2.client-id"), e.getMessage());
    }

    @Test
    void underRefuseAScopeTheQwacDoesNotCoverIsRefusedEveryTimeAndAllowedScopesPass() {
        // Hardening item 6 (docs/testing.md), with the real gate: the QWAC lists PSP_PI only.
        QwacWatcher w = watcher(bank.tokenEndpoint("13807"), new AtomicReference<>(qwac), Optional.empty());
        w.readAtStart();
        IdentityGate gate = new IdentityGate(w, RoleCheck.REFUSE);
        for (int i = 0; i < 3; i++) {
            assertThrows(InvalidQwacException.class, () -> gate.check(Bkcode.of("13807"), Scope.of("aisp")));
        }
        gate.check(Bkcode.of("13807"), Scope.of("pisp"));
        new IdentityGate(w, RoleCheck.WARN).check(Bkcode.of("13807"), Scope.of("aisp"));
        new IdentityGate(w, RoleCheck.OFF).check(Bkcode.of("13807"), Scope.of("aisp"));
    }
}
