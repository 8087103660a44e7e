package io.psd2token.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BlockingHttp;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.error.ResponseTooLargeException;
import io.psd2token.internal.http.RetryAfter;
import io.psd2token.error.TlsHandshakeException;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BankSimulator.Fault;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP seam alone against the simulator's faults: time and size bounds, Retry-After, and resets. */
class JdkBankHttpFaultTest {

    private static final String BANK = "13807";
    private static final String FORM = "grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    static TestPki pki;
    static BankSimulator simulator;
    static JdkBankHttp http;

    @BeforeAll
    static void start() {
        pki = TestPki.generate(dir);
        simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        SSLContext qwac = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
        http = BlockingHttp.jdk(qwac, Duration.ofSeconds(2), REQUEST_TIMEOUT);
        // Warm the TLS stack and the client up, so the timings below measure the bounds, not class loading.
        assertEquals(200, post().status());
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void resetBank() {
        simulator.reset();
    }

    private static HttpReply post() {
        return BlockingHttp.post(http, simulator.dedicatedTokenEndpoint(BANK), FORM);
    }

    @Test
    void whenTheBodyDripsThenTheCallEndsAtTheRequestTimeoutNotAtTheEndOfTheBody() {
        simulator.setFault(BANK, Fault.SLOW_DRIP_BODY);
        long start = System.nanoTime();
        var e = assertThrows(BankUnreachableException.class, JdkBankHttpFaultTest::post);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(REQUEST_TIMEOUT.plusMillis(1500)) < 0, took.toMillis() + " ms");
        assertTrue(took.compareTo(REQUEST_TIMEOUT.minusMillis(100)) > 0, took.toMillis() + " ms");
        assertTrue(e.getMessage().contains("body of the answer did not arrive"), e.getMessage());
        assertTrue(e.getMessage().contains("bytes received"), e.getMessage());
    }

    @Test
    void whenContentLengthIsOverTheBoundThenTheBodyIsRefusedBeforeReading() {
        simulator.setFault(BANK, Fault.OVERSIZED_BODY);
        long start = System.nanoTime();
        var e = assertThrows(ResponseTooLargeException.class, JdkBankHttpFaultTest::post);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(REQUEST_TIMEOUT) < 0, took.toMillis() + " ms");
        assertTrue(e.getMessage().contains(BankSimulator.OVERSIZED_BODY_BYTES + " bytes announced"), e.getMessage());
    }

    @Test
    void whenAChunkedBodyOutgrowsTheBoundThenReadingStopsThere() {
        simulator.setFault(BANK, Fault.OVERSIZED_CHUNKED_BODY);
        var e = assertThrows(ResponseTooLargeException.class, JdkBankHttpFaultTest::post);
        assertTrue(e.getMessage().contains("larger than " + JdkBankHttp.MAX_BODY_BYTES), e.getMessage());
    }

    @Test
    void whenTheBankAsksToRetryLaterInSecondsThenTheReplyCarriesTheDelay() {
        simulator.setFault(BANK, Fault.SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS);
        HttpReply reply = post();
        assertEquals(503, reply.status());
        assertEquals(Duration.ofSeconds(BankSimulator.RETRY_AFTER_SECONDS),
                RetryAfter.parse(reply.retryAfter().orElseThrow(), Instant.now(), Duration.ofDays(1)).orElseThrow());
        assertTrue(reply.toString().contains("retryAfter=" + BankSimulator.RETRY_AFTER_SECONDS), reply.toString());
    }

    @Test
    void whenTheBankAsksToRetryLaterAtADateThenTheReplyCarriesTheDelayUntilThen() {
        simulator.setFault(BANK, Fault.TOO_MANY_REQUESTS_RETRY_AFTER_DATE);
        HttpReply reply = post();
        assertEquals(429, reply.status());
        Duration delay = RetryAfter.parse(reply.retryAfter().orElseThrow(), Instant.now(), Duration.ofDays(1)).orElseThrow();
        // The date is whole seconds, so up to one second early; the call itself took some time.
        Duration expected = BankSimulator.RETRY_AFTER_DATE_DELAY;
        assertTrue(delay.compareTo(expected) <= 0 && delay.compareTo(expected.minusSeconds(5)) > 0, delay::toString);
    }

    @Test
    void whenTheBankResetsConnectionsThenItIsUnreachableNotACertificateProblem() {
        // The JDK reports a reset in three ways depending on timing; each must read the same.
        simulator.setFault(BANK, Fault.CONNECTION_RESET);
        for (int i = 0; i < 10; i++) {
            var e = assertThrows(BankUnreachableException.class, JdkBankHttpFaultTest::post);
            assertTrue(e.getMessage().contains("reset (TCP RST)"), e.getMessage());
        }
    }

    @Test
    void whenTheBankHangsUpOnTheHelloThenItIsANegotiationProblem() {
        simulator.setFault(BANK, Fault.TLS_PROTOCOL_MISMATCH);
        var e = assertThrows(TlsHandshakeException.class, JdkBankHttpFaultTest::post);
        assertEquals(TlsHandshakeException.Side.NEGOTIATION, e.side(), e.getMessage());
    }

    @Test
    void whenTheFaultIsCountedThenTheBankRecoversByItself() {
        simulator.setFault(BANK, Fault.INTERNAL_SERVER_ERROR, 2);
        assertEquals(500, post().status());
        assertEquals(500, post().status());
        assertEquals(200, post().status());
        assertTrue(simulator.fault(BANK).isEmpty());
    }

    @Test
    void whenConnectionsAreRefusedThenClearingTheFaultListensOnTheSamePortAgain() {
        URI before = simulator.dedicatedTokenEndpoint(BANK);
        simulator.setFault(BANK, Fault.CONNECTION_REFUSED);
        // A client of its own: no connection of an earlier test (pooled, or still opening) can answer for the port.
        SSLContext qwac = ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore());
        JdkBankHttp fresh = BlockingHttp.jdk(qwac, Duration.ofSeconds(2), REQUEST_TIMEOUT);
        var e = assertThrows(BankUnreachableException.class, () -> BlockingHttp.post(fresh, before, FORM));
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        simulator.clearFault(BANK);
        assertEquals(before, simulator.dedicatedTokenEndpoint(BANK));
        assertEquals(200, post().status());
    }
}
