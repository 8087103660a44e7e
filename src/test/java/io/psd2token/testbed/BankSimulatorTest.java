package io.psd2token.testbed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.psd2token.testbed.BankSimulator.ExpiresInStyle;
import io.psd2token.testbed.BankSimulator.Settings;
import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

class BankSimulatorTest {

    private static final String BANK = "13807";
    private static final String OTHER_BANK = "17515";
    private static final String TOKEN_FORM = "grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;

    static TestPki pki;
    static SSLContext qwacTls;
    static SSLContext untrustedTls;
    static SSLContext expiredTls;
    static SSLContext noCertificateTls;

    TestClock clock;
    BankSimulator simulator;
    HttpClient qwacClient;

    @BeforeAll
    static void createPki() throws Exception {
        pki = TestPki.generate(dir);
        qwacTls = clientTls(pki.qwacKeyStore());
        untrustedTls = clientTls(pki.untrustedClientKeyStore());
        expiredTls = clientTls(pki.expiredQwacKeyStore());
        noCertificateTls = clientTls(null);
    }

    @BeforeEach
    void startSimulator() {
        clock = TestClock.realTime();
        simulator = BankSimulator.start(Settings.forPki(pki).withClock(clock.asClock()));
        // A client per test: a pooled connection to a previous simulator's port must never be reused.
        qwacClient = client(qwacTls);
    }

    @AfterEach
    void stopSimulator() {
        simulator.close();
    }

    @Test
    void issuesABearerTokenToTheQwacHolderAndCountsIt() throws Exception {
        HttpResponse<String> response = requestToken(qwacClient, BANK, TOKEN_FORM);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElseThrow());
        JsonObject json = json(response);
        assertTrue(json.getString("access_token").matches("[A-Za-z0-9_-]{40,}"), json.getString("access_token"));
        assertEquals("Bearer", json.getString("token_type"));
        assertEquals(JsonValue.ValueType.STRING, json.get("expires_in").getValueType());
        assertEquals("3600", json.getString("expires_in"));
        assertEquals("pisp", json.getString("scope"));
        assertEquals(1, simulator.tokenRequests(BANK));
        assertEquals(1, simulator.tokensIssued(BANK));
        assertEquals(0, simulator.tokenRequests(OTHER_BANK));
    }

    @Test
    void issuesADifferentTokenEachTime() throws Exception {
        String first = accessToken(BANK);
        String second = accessToken(BANK);

        assertNotEquals(first, second);
        assertEquals(2, simulator.tokensIssued(BANK));
    }

    @Test
    void tokenAnswersCloseTheirConnectionUnlessTheBankKeepsThemUntilReset() throws Exception {
        HttpResponse<String> closedA = requestToken(qwacClient, BANK, TOKEN_FORM);
        HttpResponse<String> closedB = requestToken(qwacClient, BANK, TOKEN_FORM);
        simulator.setKeepsTokenConnections(BANK, true);
        HttpResponse<String> keptA = requestToken(qwacClient, BANK, TOKEN_FORM);
        HttpResponse<String> keptB = requestToken(qwacClient, BANK, TOKEN_FORM);
        simulator.reset();
        HttpResponse<String> afterReset = requestToken(qwacClient, BANK, TOKEN_FORM);

        assertEquals(List.of(200, 200, 200, 200, 200), List.of(closedA.statusCode(), closedB.statusCode(),
                keptA.statusCode(), keptB.statusCode(), afterReset.statusCode()));
        assertEquals("close", closedA.headers().firstValue("Connection").orElseThrow());
        assertFalse(keptA.headers().firstValue("Connection").isPresent());
        assertEquals("close", afterReset.headers().firstValue("Connection").orElseThrow());
        // A new connection gets a new TLS session (resumed or not): a kept connection carries the next request.
        assertFalse(Arrays.equals(sessionId(closedA), sessionId(closedB)));
        assertArrayEquals(sessionId(keptA), sessionId(keptB));
    }

    @Test
    void grantsPispWhenNoScopeIsRequestedAndEchoesARequestedScope() throws Exception {
        JsonObject withoutScope = json(requestToken(qwacClient, BANK,
                "grant_type=client_credentials&client_id=PSDFR-ACPR-12345"));
        JsonObject withScope = json(requestToken(qwacClient, BANK,
                "grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=aisp+extended_transaction_history"));

        assertEquals("pisp", withoutScope.getString("scope"));
        assertEquals("aisp extended_transaction_history", withScope.getString("scope"));
    }

    @Test
    void paymentEndpointAcceptsATokenOnlyAtTheBankThatIssuedIt() throws Exception {
        String token = accessToken(BANK);

        HttpResponse<String> created = postPayment(qwacClient, BANK, "Bearer " + token);
        HttpResponse<String> elsewhere = postPayment(qwacClient, OTHER_BANK, "Bearer " + token);

        assertEquals(201, created.statusCode(), created.body());
        assertEquals("application/json", created.headers().firstValue("Content-Type").orElseThrow());
        JsonObject payment = json(created);
        String id = payment.getString("paymentRequestResourceId");
        assertEquals(BANK, payment.getString("bank"));
        assertEquals("REDIRECT", payment.getString("appliedAuthenticationApproach"));
        assertEquals("https://example.invalid/consent/" + id,
                payment.getJsonObject("_links").getJsonObject("consentApproval").getString("href"));
        assertEquals("/13807/stet/psd2/v1/payment-requests/" + id,
                created.headers().firstValue("Location").orElseThrow());

        assertInvalidToken(elsewhere);
        assertEquals(1, simulator.paymentRequests(BANK));
        assertEquals(0, simulator.invalidTokenResponses(BANK));
        assertEquals(1, simulator.paymentRequests(OTHER_BANK));
        assertEquals(1, simulator.invalidTokenResponses(OTHER_BANK));
    }

    @Test
    void revokedTokensGetInvalidToken() throws Exception {
        String token = accessToken(BANK);
        String otherBankToken = accessToken(OTHER_BANK);

        simulator.revokeTokens(BANK);

        assertInvalidToken(postPayment(qwacClient, BANK, "Bearer " + token));
        assertEquals(201, postPayment(qwacClient, OTHER_BANK, "Bearer " + otherBankToken).statusCode());
    }

    @Test
    void missingOrMalformedAuthorizationGetsInvalidToken() throws Exception {
        assertInvalidToken(postPayment(qwacClient, BANK, null));
        assertInvalidToken(postPayment(qwacClient, BANK, "Basic dXNlcjpwYXNz"));
        assertInvalidToken(postPayment(qwacClient, BANK, "Bearer not-a-token"));

        assertEquals(3, simulator.invalidTokenResponses(BANK));
    }

    @Test
    void tokenExpiresWhenTheClockPassesItsLifetime() throws Exception {
        String token = accessToken(BANK);

        clock.advance(Duration.ofMinutes(59));
        assertEquals(201, postPayment(qwacClient, BANK, "Bearer " + token).statusCode());

        clock.advance(Duration.ofMinutes(1));
        assertInvalidToken(postPayment(qwacClient, BANK, "Bearer " + token));
    }

    @Test
    void shorterTokenLifetimeShowsInExpiresInAndExpiry() throws Exception {
        simulator.setTokenLifetime(Duration.ofMinutes(2));

        JsonObject json = json(requestToken(qwacClient, BANK, TOKEN_FORM));
        clock.advance(Duration.ofMinutes(2).plusSeconds(1));

        assertEquals("120", json.getString("expires_in"));
        assertInvalidToken(postPayment(qwacClient, BANK, "Bearer " + json.getString("access_token")));
    }

    @Test
    void untrustedClientCertificateGetsInvalidClient() throws Exception {
        HttpResponse<String> response = requestToken(client(untrustedTls), BANK, TOKEN_FORM);

        assertOAuthError(response, 401, "invalid_client", "client certificate not issued by a recognised QTSP");
        assertEquals(1, simulator.tokenRequests(BANK));
        assertEquals(0, simulator.tokensIssued(BANK));
    }

    @Test
    void expiredQwacGetsInvalidClient() throws Exception {
        HttpResponse<String> response = requestToken(client(expiredTls), BANK, TOKEN_FORM);

        assertOAuthError(response, 401, "invalid_client", "client certificate expired");
        assertEquals(0, simulator.tokensIssued(BANK));
    }

    @Test
    void certificateValidityIsJudgedByTheSimulatorClock() throws Exception {
        clock.advance(Duration.ofDays(400));

        HttpResponse<String> response = requestToken(qwacClient, BANK, TOKEN_FORM);

        assertOAuthError(response, 401, "invalid_client", "client certificate expired");
    }

    @Test
    void clientIdOtherThanTheCertificateOrganizationIdentifierGetsInvalidClient() throws Exception {
        HttpResponse<String> response = requestToken(qwacClient, BANK,
                "grant_type=client_credentials&client_id=PSDFR-ACPR-99999&scope=pisp");

        assertOAuthError(response, 401, "invalid_client",
                "client_id does not match the certificate organizationIdentifier");
    }

    @Test
    void clientNotRegisteredWithTheBankGetsInvalidClient() throws Exception {
        simulator.close();
        simulator = BankSimulator.start(Settings.forPki(pki).withClock(clock.asClock()).withExpectedClientId("PSDFR-ACPR-1"));

        HttpResponse<String> response = requestToken(qwacClient, BANK, TOKEN_FORM);

        assertOAuthError(response, 401, "invalid_client", "client_id is not registered with this bank");
    }

    @Test
    void clientWithoutCertificateFailsTheHandshakeAndGetsNoToken() {
        HttpClient noCertificateClient = client(noCertificateTls);

        assertThrows(IOException.class, () -> requestToken(noCertificateClient, BANK, TOKEN_FORM));
        assertEquals(0, simulator.tokenRequests(BANK));
        assertEquals(0, simulator.tokensIssued(BANK));
    }

    @Test
    void malformedTokenRequestsGetRfc6749Errors() throws Exception {
        HttpRequest json = HttpRequest.newBuilder(simulator.tokenEndpoint(BANK))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"grant_type\":\"client_credentials\"}"))
                .build();
        assertOAuthError(qwacClient.send(json, HttpResponse.BodyHandlers.ofString()), 400, "invalid_request",
                "Content-Type must be application/x-www-form-urlencoded");
        assertOAuthError(requestToken(qwacClient, BANK, "grant_type=password&client_id=PSDFR-ACPR-12345"), 400,
                "unsupported_grant_type", "only client_credentials is supported");
        assertOAuthError(requestToken(qwacClient, BANK, "client_id=PSDFR-ACPR-12345"), 400, "invalid_request",
                "grant_type is required");
        assertOAuthError(requestToken(qwacClient, BANK, "grant_type=client_credentials&scope=pisp"), 400,
                "invalid_request", "client_id is required");

        assertEquals(4, simulator.tokenRequests(BANK));
        assertEquals(0, simulator.tokensIssued(BANK));
    }

    @Test
    void acceptsAFormContentTypeWithCharset() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(simulator.tokenEndpoint(BANK))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(TOKEN_FORM))
                .build();

        assertEquals(200, qwacClient.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void macSwitchChangesTheTokenTypeOfOneBankOnly() throws Exception {
        simulator.setTokenType(BANK, "MAC");

        assertEquals("MAC", json(requestToken(qwacClient, BANK, TOKEN_FORM)).getString("token_type"));
        assertEquals("Bearer", json(requestToken(qwacClient, OTHER_BANK, TOKEN_FORM)).getString("token_type"));
    }

    @Test
    void expiresInCanBeAStringANumberOrAbsent() throws Exception {
        simulator.setExpiresInStyle(BANK, ExpiresInStyle.NUMBER);
        JsonObject number = json(requestToken(qwacClient, BANK, TOKEN_FORM));
        simulator.setExpiresInStyle(BANK, ExpiresInStyle.ABSENT);
        JsonObject absent = json(requestToken(qwacClient, BANK, TOKEN_FORM));
        simulator.setExpiresInStyle(BANK, ExpiresInStyle.STRING);
        JsonObject string = json(requestToken(qwacClient, BANK, TOKEN_FORM));

        assertEquals(3600, ((JsonNumber) number.get("expires_in")).intValueExact());
        assertFalse(absent.containsKey("expires_in"));
        assertEquals("3600", ((JsonString) string.get("expires_in")).getString());
    }

    @Test
    void resetRestoresCountsTokensAndSwitches() throws Exception {
        String token = accessToken(BANK);
        simulator.setTokenType(BANK, "MAC");
        simulator.setExpiresInStyle(BANK, ExpiresInStyle.ABSENT);
        simulator.setTokenLifetime(Duration.ofSeconds(5));

        simulator.reset();

        assertEquals(0, simulator.tokenRequests(BANK));
        assertEquals(0, simulator.tokensIssued(BANK));
        assertInvalidToken(postPayment(qwacClient, BANK, "Bearer " + token));
        JsonObject fresh = json(requestToken(qwacClient, BANK, TOKEN_FORM));
        assertEquals("Bearer", fresh.getString("token_type"));
        assertEquals("3600", fresh.getString("expires_in"));
    }

    @Test
    void unknownBankAndUnknownPathGet404AndOtherMethods405() throws Exception {
        HttpResponse<String> unknownBank = send(qwacClient, HttpRequest.newBuilder(
                simulator.baseUri().resolve("/99999/stet/psd2/oauth/token")).header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(TOKEN_FORM)));
        HttpResponse<String> unknownPath = send(qwacClient, HttpRequest.newBuilder(
                simulator.baseUri().resolve("/13807/stet/psd2/v1/accounts")).GET());
        HttpResponse<String> get = send(qwacClient, HttpRequest.newBuilder(simulator.tokenEndpoint(BANK)).GET());

        assertEquals(404, unknownBank.statusCode());
        assertTrue(json(unknownBank).containsKey("error"));
        assertEquals(404, unknownPath.statusCode());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void paymentBodyLargerThan64KibIsRefused() throws Exception {
        String token = accessToken(BANK);

        HttpResponse<String> response = send(qwacClient, HttpRequest.newBuilder(simulator.paymentRequestsEndpoint(BANK))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"x\":\"" + "a".repeat(70 * 1024) + "\"}")));

        assertEquals(413, response.statusCode());
    }

    @Test
    void servesConcurrentTokenRequests() {
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 24)
                .mapToObj(i -> qwacClient.sendAsync(tokenRequest(i % 2 == 0 ? BANK : OTHER_BANK, TOKEN_FORM),
                        HttpResponse.BodyHandlers.ofString()))
                .toList();

        Set<String> tokens = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            HttpResponse<String> result = response.join();
            assertEquals(200, result.statusCode(), result.body());
            tokens.add(json(result).getString("access_token"));
        }
        assertEquals(24, tokens.size());
        assertEquals(12, simulator.tokensIssued(BANK));
        assertEquals(12, simulator.tokensIssued(OTHER_BANK));
    }

    @Test
    void closeStopsTheServerPromptly() {
        URI endpoint = simulator.tokenEndpoint(BANK);

        assertTimeoutPreemptively(Duration.ofSeconds(2), simulator::close);

        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(TOKEN_FORM)).build();
        assertThrows(IOException.class, () -> client(qwacTls).send(request, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void unknownBankInATestControlIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> simulator.tokensIssued("00000"));
        assertThrows(IllegalArgumentException.class, () -> simulator.revokeTokens("00000"));
    }

    @Test
    void aRevokingBankInvalidatesTheClientsPreviousTokenWhenItIssuesANewOne() throws Exception {
        simulator.setRevokesPreviousTokens(BANK, true);
        String first = accessToken(BANK);
        String otherBanks = accessToken(OTHER_BANK);
        String second = accessToken(BANK);

        assertInvalidToken(postPayment(qwacClient, BANK, "Bearer " + first));
        assertEquals(201, postPayment(qwacClient, BANK, "Bearer " + second).statusCode());
        assertEquals(201, postPayment(qwacClient, OTHER_BANK, "Bearer " + otherBanks).statusCode(),
                "another bank's tokens are its own");
        simulator.setRevokesPreviousTokens(BANK, false);
        String third = accessToken(BANK);
        assertEquals(201, postPayment(qwacClient, BANK, "Bearer " + second).statusCode());
        assertEquals(201, postPayment(qwacClient, BANK, "Bearer " + third).statusCode());
    }

    @Test
    void apiCallsAreCountedWithAndWithoutRequestIdAndAnsweredWithACorrelationId() throws Exception {
        String token = accessToken(BANK);
        HttpResponse<String> without = postPayment(qwacClient, BANK, "Bearer " + token);
        assertEquals(1, simulator.callsWithoutRequestId(BANK));
        assertTrue(without.headers().firstValue("X-CorrelationID").isPresent());
        HttpResponse<String> with = send(qwacClient, HttpRequest.newBuilder(simulator.paymentRequestsEndpoint(BANK))
                .header("Authorization", "Bearer " + token).header("X-Request-ID", "req-1")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"paymentInformationId\":\"test\"}")));
        assertEquals(201, with.statusCode());
        assertEquals("req-1", with.headers().firstValue("X-Request-ID").orElseThrow(), "echoed");
        assertEquals(java.util.Optional.of("req-1"), simulator.lastRequestId(BANK));
        assertEquals(1, simulator.callsWithoutRequestId(BANK));
    }

    @Test
    void theApiRateLimitIsBpcesTmrqAnswerWithOrWithoutRetryAfterAndCounted() throws Exception {
        String token = accessToken(BANK);
        simulator.setFault(BANK, BankSimulator.Fault.API_RATE_LIMITED_TMRQ, 1);
        HttpResponse<String> plain = postPayment(qwacClient, BANK, "Bearer " + token);
        assertEquals(403, plain.statusCode());
        assertEquals("TMRQ", json(plain).getString("message"));
        assertFalse(plain.headers().firstValue("Retry-After").isPresent());
        simulator.setFault(BANK, BankSimulator.Fault.API_RATE_LIMITED_TMRQ_RETRY_AFTER, 1);
        HttpResponse<String> later = postPayment(qwacClient, BANK, "Bearer " + token);
        assertEquals(403, later.statusCode());
        assertEquals(String.valueOf(BankSimulator.RETRY_AFTER_SECONDS), later.headers().firstValue("Retry-After")
                .orElseThrow());
        assertEquals(2, simulator.rateLimitedResponses(BANK));
        assertEquals(201, postPayment(qwacClient, BANK, "Bearer " + token).statusCode(), "the limit was for 2 calls");
        assertEquals(0, simulator.invalidTokenResponses(BANK));
    }

    private String accessToken(String bank) throws Exception {
        HttpResponse<String> response = requestToken(qwacClient, bank, TOKEN_FORM);
        assertEquals(200, response.statusCode(), response.body());
        return json(response).getString("access_token");
    }

    private HttpRequest tokenRequest(String bank, String form) {
        return HttpRequest.newBuilder(simulator.tokenEndpoint(bank))
                .timeout(TIMEOUT)
                .header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
    }

    private HttpResponse<String> requestToken(HttpClient client, String bank, String form)
            throws IOException, InterruptedException {
        return client.send(tokenRequest(bank, form), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postPayment(HttpClient client, String bank, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(simulator.paymentRequestsEndpoint(bank))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"paymentInformationId\":\"test\"}"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(client, request);
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertInvalidToken(HttpResponse<String> response) {
        assertEquals(403, response.statusCode());
        assertTrue(response.body().contains("Invalid token"), response.body());
        assertEquals("invalid_token", json(response).getString("error"));
    }

    private static void assertOAuthError(HttpResponse<String> response, int status, String error, String description) {
        assertEquals(status, response.statusCode(), response.body());
        JsonObject json = json(response);
        assertEquals(error, json.getString("error"));
        assertEquals(description, json.getString("error_description"));
    }

    private static byte[] sessionId(HttpResponse<?> response) {
        return response.sslSession().orElseThrow().getId();
    }

    private static JsonObject json(HttpResponse<String> response) {
        try (var reader = Json.createReader(new StringReader(response.body()))) {
            return reader.readObject();
        }
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder()
                .sslContext(tls)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT)
                .build();
    }

    /** TLS as the product sets it up: the QWAC as client key (if any), the bank server CA as the only trust. */
    private static SSLContext clientTls(Path clientKeyStore) throws Exception {
        char[] password = pki.password().toCharArray();
        KeyManagerFactory keyManagers = null;
        if (clientKeyStore != null) {
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(load(clientKeyStore, password), password);
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(load(pki.clientTrustStore(), password));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    private static KeyStore load(Path file, char[] password) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, password);
        }
        return keyStore;
    }
}
