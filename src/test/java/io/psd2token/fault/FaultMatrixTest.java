package io.psd2token.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.BankTokenException;
import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.BankUnreachableException;
import io.psd2token.internal.config.Psd2Config;
import io.psd2token.internal.http.JdkBankHttp;
import io.psd2token.error.ResponseTooLargeException;
import io.psd2token.error.TlsHandshakeException;
import io.psd2token.error.TlsHandshakeException.Side;
import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BankSimulator.Fault;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestPki;
import io.psd2token.token.AccessToken;
import io.psd2token.error.InvalidTokenResponseException;
import io.psd2token.token.TokenClock;
import io.psd2token.internal.token.TokenManager;
import io.psd2token.internal.token.TokenPolicy;
import io.psd2token.error.TokenRejectedException;
import io.psd2token.error.TokenRequestRejectedException;
import io.psd2token.internal.token.Resilience;
import io.psd2token.internal.token.TokenTimer;
import io.psd2token.testbed.BlockingHttp;
import io.psd2token.testbed.TestClock;
import io.psd2token.error.UnsupportedTokenTypeException;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a bank can fail, against a real {@link TokenManager} over real mutual TLS: each fault gives its typed
 * error quickly, leaves nothing bad in the cache, and leaves another bank of the same simulator alone. A log
 * handler at FINEST watches the whole run for a token or a bearer header.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultMatrixTest {

    private static final String BANK = "13807";
    private static final String OTHER_BANK = "17515";
    // The JDK's connect timeout also covers the TLS handshake, which a loaded CI machine may take a while over.
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** The longest a failing call may take: the request timeout, a diagnosis, and scheduling slack. */
    private static final Duration CALL_BOUND = REQUEST_TIMEOUT.plus(Psd2Config.MAX_DIAGNOSIS).plusSeconds(1);
    private static final TokenPolicy POLICY = new TokenPolicy(Duration.ofMinutes(10), Duration.ofHours(24),
            Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(2));
    // RFC 6750 b64token after "Bearer ": long enough to be a credential, unlike the word "tokens" in a message.
    private static final Pattern BEARER_VALUE = Pattern.compile("Bearer\\s+[A-Za-z0-9\\-._~+/]{16,}");

    private final TestClock clock = TestClock.realTime();

    @TempDir
    static Path dir;
    static TestPki pki;
    static BankSimulator simulator;
    static JdkBankHttp http;
    static HttpClient api;
    static Jsonb jsonb;
    static ScheduledExecutorService scheduler;
    static ExecutorService callers;

    // Strong references: java.util.logging keeps loggers weakly, and a collected logger forgets its level.
    static Logger rootLogger;
    static Logger libraryLogger;
    static Level rootLevel;
    static Level libraryLevel;
    static final LogCapture LOGS = new LogCapture();
    /** Every error a call threw, for the leak check. */
    static final List<Throwable> ERRORS = Collections.synchronizedList(new ArrayList<>());
    /** Other text the library produced that an operator may see (monitoring states). */
    static final List<String> TEXTS = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        rootLogger = Logger.getLogger("");
        libraryLogger = Logger.getLogger("io.psd2token");
        rootLevel = rootLogger.getLevel();
        libraryLevel = libraryLogger.getLevel();
        rootLogger.setLevel(Level.ALL);
        libraryLogger.setLevel(Level.ALL);
        rootLogger.addHandler(LOGS);

        pki = TestPki.generate(dir);
        simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        // The bank server CA, and the CA of the wrong-host certificate so that fault reads as a host-name mismatch.
        Path trust = trustStore(dir.resolve("bank-cas.p12"), pki.bankServerCa(), simulator.otherHostCa());
        SSLContext qwac = ClientTls.of(pki, pki.qwacKeyStore(), trust);
        http = BlockingHttp.jdk(qwac, CONNECT_TIMEOUT, REQUEST_TIMEOUT);
        api = HttpClient.newBuilder().sslContext(qwac).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).build();
        jsonb = JsonbBuilder.create();
        scheduler = Executors.newScheduledThreadPool(2);
        callers = Executors.newCachedThreadPool();
        // Warm the TLS stack, JSON-B and both banks' ports up, so that the first row measures its fault only.
        TokenManager warm = manager(TokenClock.system());
        warm.token(BANK);
        warm.token(OTHER_BANK);
    }

    @AfterAll
    static void stop() throws Exception {
        rootLogger.removeHandler(LOGS);
        rootLogger.setLevel(rootLevel);
        libraryLogger.setLevel(libraryLevel);
        callers.shutdownNow();
        scheduler.shutdownNow();
        jsonb.close();
        simulator.close();
    }

    @BeforeEach
    void resetBanks() {
        simulator.reset();
    }

    /** One row of the matrix: a fault and what the caller must get, or {@code error == null} when it is legal. */
    record Row(Fault fault, Class<? extends BankTokenException> error, String phrase, Side side) {

        static Row fails(Fault fault, Class<? extends BankTokenException> error, String phrase) {
            return new Row(fault, error, phrase, null);
        }

        static Row tls(Fault fault, Side side, String phrase) {
            return new Row(fault, TlsHandshakeException.class, phrase, side);
        }

        static Row accepted(Fault fault) {
            return new Row(fault, null, null, null);
        }

        @Override
        public String toString() {
            return fault.name();
        }
    }

    static Stream<Row> matrix() {
        return Stream.of(
                Row.fails(Fault.CONNECTION_REFUSED, BankUnreachableException.class, "connection refused"),
                Row.fails(Fault.CONNECTION_RESET, BankUnreachableException.class, "reset (TCP RST)"),
                // The JDK counts the TLS handshake as part of connecting: the connect or the request timeout ends it,
                // whichever is shorter (here they are equal).
                Row.fails(Fault.SILENT_AFTER_CONNECT, BankUnreachableException.class, " timeout (psd2."),
                Row.tls(Fault.UNTRUSTED_SERVER_CERTIFICATE, Side.SERVER_CERTIFICATE, "not trusted"),
                Row.tls(Fault.SERVER_CERTIFICATE_FOR_ANOTHER_HOST, Side.SERVER_CERTIFICATE,
                        "does not cover this host name"),
                Row.tls(Fault.CLIENT_CERTIFICATE_REFUSED_BY_TLS, Side.CLIENT_CERTIFICATE,
                        "refused the client certificate"),
                Row.tls(Fault.TLS_PROTOCOL_MISMATCH, Side.NEGOTIATION, "without answering our TLS ClientHello"),
                Row.tls(Fault.TLS_NO_COMMON_CIPHER_SUITE, Side.NEGOTIATION, "handshake_failure"),
                Row.tls(Fault.CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED, Side.CLIENT_CERTIFICATE,
                        "certificate"),
                Row.fails(Fault.ACCEPT_THEN_HANG, BankUnreachableException.class, "within the request timeout"),
                Row.fails(Fault.CLOSE_WITHOUT_ANSWER, BankUnreachableException.class,
                        "I/O error before a complete answer"),
                Row.fails(Fault.SLOW_DRIP_BODY, BankUnreachableException.class,
                        "body of the answer did not arrive within the request timeout"),
                Row.fails(Fault.TRUNCATED_BODY, BankUnreachableException.class, "bytes into the body of the answer"),
                Row.fails(Fault.INTERNAL_SERVER_ERROR, TokenRequestRejectedException.class,
                        "HTTP 500, OAuth error server_error"),
                Row.fails(Fault.BAD_GATEWAY_HTML, TokenRequestRejectedException.class, "HTTP 502. The bank failed"),
                Row.fails(Fault.SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS, TokenRequestRejectedException.class,
                        "HTTP 503, retry after 7 s, OAuth error temporarily_unavailable"),
                Row.fails(Fault.TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS, TokenRequestRejectedException.class,
                        "HTTP 429"),
                Row.fails(Fault.TOO_MANY_REQUESTS_RETRY_AFTER_DATE, TokenRequestRejectedException.class, "HTTP 429"),
                Row.fails(Fault.INVALID_REQUEST, TokenRequestRejectedException.class,
                        "HTTP 400, OAuth error invalid_request"),
                Row.fails(Fault.INVALID_CLIENT, TokenRequestRejectedException.class,
                        "HTTP 401, OAuth error invalid_client"),
                Row.fails(Fault.REDIRECT, TokenRequestRejectedException.class, "HTTP 302"),
                Row.fails(Fault.MALFORMED_JSON, InvalidTokenResponseException.class, "not a JSON object"),
                Row.fails(Fault.EMPTY_BODY, InvalidTokenResponseException.class, "empty body"),
                Row.fails(Fault.HTML_BODY, InvalidTokenResponseException.class, "Content-Type is text/html"),
                Row.fails(Fault.OVERSIZED_BODY, ResponseTooLargeException.class, "announced (Content-Length)"),
                Row.fails(Fault.OVERSIZED_CHUNKED_BODY, ResponseTooLargeException.class,
                        "larger than " + JdkBankHttp.MAX_BODY_BYTES + " bytes"),
                Row.fails(Fault.MISSING_ACCESS_TOKEN, InvalidTokenResponseException.class, "access_token is missing"),
                Row.fails(Fault.MISSING_TOKEN_TYPE, InvalidTokenResponseException.class, "token_type is missing"),
                Row.fails(Fault.MAC_TOKEN_TYPE, UnsupportedTokenTypeException.class, "of type \"MAC\""),
                Row.fails(Fault.EXPIRES_IN_NEGATIVE, InvalidTokenResponseException.class,
                        "expires_in must be positive, got -3600"),
                Row.fails(Fault.EXPIRES_IN_ZERO, InvalidTokenResponseException.class,
                        "expires_in must be positive, got 0"),
                Row.fails(Fault.EXPIRES_IN_NOT_NUMERIC, InvalidTokenResponseException.class,
                        "expires_in must be a number of seconds"),
                Row.accepted(Fault.EXPIRES_IN_HUGE),
                Row.accepted(Fault.EXPIRES_IN_HUGE_STRING),
                Row.fails(Fault.TEXT_PLAIN_JSON, InvalidTokenResponseException.class, "Content-Type is text/plain"),
                Row.fails(Fault.ACCESS_TOKEN_WITH_CONTROL_CHARACTERS, InvalidTokenResponseException.class,
                        "RFC 6750 §2.1"),
                Row.accepted(Fault.LONG_JWT_ACCESS_TOKEN),
                Row.accepted(Fault.EXTRA_FIELDS));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("matrix")
    void whenTheBankFailsThenTheCallerGetsTheTypedErrorInTimeAndNothingIsPoisoned(Row row) throws Exception {
        TokenManager manager = manager();
        simulator.setFault(BANK, row.fault());

        // The faulty bank on one thread; meanwhile another bank of the same simulator, through the same manager.
        CompletableFuture<Outcome> faulty = CompletableFuture.supplyAsync(() -> Outcome.of(() -> manager.token(BANK)),
                callers);
        AccessToken other = assertTimeoutPreemptively(CALL_BOUND, () -> manager.token(OTHER_BANK),
                "another bank must not wait for the faulty one");
        assertEquals(201, pay(OTHER_BANK, other).statusCode(), "the other bank's token works");
        Outcome outcome = assertTimeoutPreemptively(CALL_BOUND.plusSeconds(5), () -> faulty.get());
        assertTrue(outcome.elapsed().compareTo(CALL_BOUND) < 0, "took " + outcome.elapsed().toMillis() + " ms");
        TEXTS.add(manager.states().toString());

        if (row.error() == null) {
            assertNull(outcome.error(), () -> "a legal answer must be accepted: " + describe(outcome.error()));
            checkAccepted(row.fault(), outcome.token());
            return;
        }
        Throwable error = outcome.error();
        assertInstanceOf(row.error(), error, () -> describe(error));
        assertTrue(error.getMessage().contains(row.phrase()), error::getMessage);
        if (row.side() != null) {
            assertEquals(row.side(), ((TlsHandshakeException) error).side(), error::getMessage);
        }
        if (row.fault().name().contains("RETRY_AFTER")) {
            Duration retryAfter = ((TokenRequestRejectedException) error).retryAfter()
                    .orElseThrow(() -> new AssertionError(row.fault() + ": Retry-After not read"));
            checkRetryAfter(row.fault(), retryAfter);
            // The bank said when to come back: until then callers get the same error and it gets no request.
            simulator.clearFault(BANK);
            int requests = simulator.tokenRequests(BANK);
            TokenRequestRejectedException replayed = assertThrows(TokenRequestRejectedException.class,
                    () -> manager.token(BANK));
            assertSame(error.getCause(), replayed.getCause(), "a copy of the same failure, for this caller");
            assertEquals(error.getMessage(), replayed.getMessage());
            assertEquals(requests, simulator.tokenRequests(BANK), "Retry-After honoured");
            clock.advance(retryAfter);
        }

        // Nothing of the failure stays: with no back-off the very next call fetches a new token that works.
        simulator.clearFault(BANK);
        int issued = simulator.tokensIssued(BANK);
        AccessToken after = assertTimeoutPreemptively(CALL_BOUND, () -> manager.token(BANK));
        assertEquals(issued + 1, simulator.tokensIssued(BANK), "a new token was fetched");
        assertEquals(201, pay(BANK, after).statusCode(), "the new token works");
        assertEquals(after, manager.token(BANK), "and it is the one cached");
    }

    @Order(2)
    @Test
    void whenTheApiAnswersInvalidTokenStormThenEachCallIsResentOnceAndRecoversWhenItEnds() {
        TokenManager manager = manager();
        simulator.setFault(BANK, Fault.INVALID_TOKEN_STORM, 3);

        Outcome first = Outcome.of(() -> manager.withToken(BANK, token -> pay(BANK, token),
                FaultMatrixTest::isInvalidToken).statusCode());
        assertInstanceOf(TokenRejectedException.class, first.error(), () -> describe(first.error()));
        assertEquals(2, simulator.paymentRequests(BANK), "sent once, re-sent once, not more");
        assertEquals(2, simulator.tokensIssued(BANK), "one new token for the re-send");

        // Meanwhile the other bank is served as usual.
        assertEquals(201, manager.withToken(OTHER_BANK, token -> pay(OTHER_BANK, token),
                FaultMatrixTest::isInvalidToken).statusCode());

        // The storm's last 403, then the re-send with a new token gets through.
        assertEquals(201, manager.withToken(BANK, token -> pay(BANK, token),
                FaultMatrixTest::isInvalidToken).statusCode());
        assertEquals(4, simulator.paymentRequests(BANK));
        assertEquals(4, simulator.tokensIssued(BANK));

        // Over: the cached token is used as it is.
        assertEquals(201, manager.withToken(BANK, token -> pay(BANK, token),
                FaultMatrixTest::isInvalidToken).statusCode());
        assertEquals(4, simulator.tokensIssued(BANK));
        assertEquals(3, simulator.invalidTokenResponses(BANK));
    }

    @Order(3)
    @Test
    void whenAnyFaultRanThenNoTokenOrBearerValueAppearsInLogsOrErrors() throws Exception {
        // Enough traffic to be meaningful when this test runs alone: tokens issued, used, and faults that carry them.
        TokenManager manager = manager();
        for (Fault fault : List.of(Fault.MALFORMED_JSON, Fault.MISSING_TOKEN_TYPE, Fault.MAC_TOKEN_TYPE,
                Fault.ACCESS_TOKEN_WITH_CONTROL_CHARACTERS, Fault.TEXT_PLAIN_JSON, Fault.HTML_BODY)) {
            simulator.setFault(BANK, fault);
            Outcome outcome = Outcome.of(() -> manager.token(BANK));
            assertInstanceOf(BankTokenException.class, outcome.error());
        }
        simulator.clearFault(BANK);
        assertEquals(201, pay(BANK, manager.token(BANK)).statusCode());
        assertEquals(201, manager.withToken(OTHER_BANK, token -> pay(OTHER_BANK, token),
                FaultMatrixTest::isInvalidToken).statusCode());
        TEXTS.add(manager.states().toString());
        TEXTS.add(manager.token(BANK).toString());

        Set<String> tokens = simulator.issuedTokenValues();
        assertTrue(tokens.size() >= 8, "tokens issued: " + tokens.size());
        assertTrue(LOGS.texts().stream().anyMatch(t -> t.contains("token obtained from bank")),
                "the handler saw the library's FINE records");
        List<String> texts = new ArrayList<>(LOGS.texts());
        texts.addAll(TEXTS);
        synchronized (ERRORS) {
            for (Throwable error : ERRORS) {
                texts.add(error.getMessage());
                texts.add(error.toString());
                texts.add(stackTrace(error));
            }
        }
        for (String text : texts) {
            if (text == null) {
                continue;
            }
            for (String token : tokens) {
                assertFalse(text.contains(token), () -> "token value leaked into: " + redact(text, tokens));
            }
            assertFalse(BEARER_VALUE.matcher(text).find(), () -> "bearer value in: " + redact(text, tokens));
        }
    }

    /** What a call gave, and how long it took. */
    record Outcome(AccessToken token, Throwable error, Duration elapsed) {

        static Outcome of(CheckedCall call) {
            long start = System.nanoTime();
            try {
                Object result = call.run();
                return new Outcome(result instanceof AccessToken t ? t : null, null, since(start));
            } catch (Throwable e) {
                ERRORS.add(e);
                return new Outcome(null, e, since(start));
            }
        }

        private static Duration since(long start) {
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }

    @FunctionalInterface
    interface CheckedCall {
        Object run() throws Exception;
    }

    private static void checkAccepted(Fault fault, AccessToken token) {
        assertEquals(201, pay(BANK, token).statusCode(), "the accepted token works");
        switch (fault) {
            case EXPIRES_IN_HUGE, EXPIRES_IN_HUGE_STRING -> assertEquals(POLICY.maxLifetime(), token.lifetime(), "capped");
            case LONG_JWT_ACCESS_TOKEN -> {
                assertEquals(BankSimulator.LONG_TOKEN_LENGTH, token.value().length());
                assertTrue(token.authorizationHeader().startsWith("Bearer "));
            }
            case EXTRA_FIELDS -> assertEquals(Scope.PISP, token.scope());
            default -> throw new AssertionError("no check for " + fault);
        }
    }

    private static void checkRetryAfter(Fault fault, Duration retryAfter) {
        switch (fault) {
            case SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS, TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS ->
                    assertEquals(Duration.ofSeconds(BankSimulator.RETRY_AFTER_SECONDS), retryAfter);
            // Counted from when the request was sent, so the exchange's own duration (here well under 1 s)
            // adds to the date's distance from the simulator's clock.
            case TOO_MANY_REQUESTS_RETRY_AFTER_DATE -> assertTrue(retryAfter.compareTo(
                    BankSimulator.RETRY_AFTER_DATE_DELAY.plusSeconds(1)) <= 0 && retryAfter.compareTo(
                    BankSimulator.RETRY_AFTER_DATE_DELAY.minusSeconds(10)) > 0, retryAfter::toString);
            default -> throw new AssertionError(fault + " sent no Retry-After, yet the error carries " + retryAfter);
        }
    }

    private TokenManager manager() {
        return manager(clock);
    }

    private static TokenManager manager(TokenClock clock) {
        // Each bank on its own port, as each real bank has its own host: connection faults stay with one bank.
        return TokenManager.builder().banks(FaultMatrixTest::endpoints).clientId(pki.clientId()).http(http)
                .jsonb(jsonb).timer(TokenTimer.of(scheduler)).io(callers).clock(clock).policy(POLICY)
                .resilience(Resilience.NONE.withAttemptTimeout(CALL_BOUND)).build();
    }

    private static BankEndpoints endpoints(Bkcode bank) {
        URI base = simulator.dedicatedBaseUri(bank.value());
        return new BankEndpoints(bank, simulator.dedicatedTokenEndpoint(bank.value()),
                base.resolve("/" + bank.value() + "/stet/psd2/v1"), Scope.PISP);
    }

    /** A payment request carrying the token, on the shared port (which connection faults leave alone). */
    static HttpResponse<String> pay(String bank, AccessToken token) {
        HttpRequest request = HttpRequest.newBuilder(simulator.paymentRequestsEndpoint(bank))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", token.authorizationHeader())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"paymentInformationId\":\"fault-matrix\"}"))
                .build();
        try {
            return api.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean isInvalidToken(HttpResponse<String> response) {
        return response.statusCode() == 403 && response.body().contains("Invalid token");
    }

    private static Path trustStore(Path file, X509Certificate... cas) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < cas.length; i++) {
            store.setCertificateEntry("ca-" + i, cas[i]);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, pki.password().toCharArray());
        }
        return file;
    }

    private static String describe(Throwable error) {
        return error == null ? "no error" : stackTrace(error);
    }

    static String stackTrace(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** The text with token values masked, so a failing assertion does not itself print the token. */
    private static String redact(String text, Set<String> tokens) {
        String out = text;
        for (String token : tokens) {
            out = out.replace(token, "<token>");
        }
        return BEARER_VALUE.matcher(out).replaceAll("Bearer <value>");
    }

    /** Keeps every record at every level: message as written and as formatted, parameters, and stack traces. */
    static final class LogCapture extends Handler {

        private static final SimpleFormatter FORMATTER = new SimpleFormatter();
        private final List<String> texts = Collections.synchronizedList(new ArrayList<>());

        LogCapture() {
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord record) {
            StringBuilder text = new StringBuilder().append(record.getLoggerName()).append(' ')
                    .append(record.getMessage());
            try {
                text.append('\n').append(FORMATTER.formatMessage(record));
            } catch (RuntimeException e) {
                text.append("\n(unformattable)");
            }
            if (record.getParameters() != null) {
                for (Object parameter : record.getParameters()) {
                    text.append('\n').append(parameter);
                }
            }
            if (record.getThrown() != null) {
                text.append('\n').append(stackTrace(record.getThrown()));
            }
            texts.add(text.toString());
        }

        List<String> texts() {
            synchronized (texts) {
                return List.copyOf(texts);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
