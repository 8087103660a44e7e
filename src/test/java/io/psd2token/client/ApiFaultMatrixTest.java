package io.psd2token.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.BankSimulator.Fault;
import io.psd2token.testbed.ClientTls;
import io.psd2token.testbed.TestClock;
import io.psd2token.testbed.TestPki;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every API fault of the simulated bank, answered over real mutual TLS and read as {@link BankAnswerFilter} reads
 * it: only an invalid token is retried, only a rate limit pauses (for the bank's Retry-After or the configured
 * pause), and the ids an operator quotes are there.
 */
class ApiFaultMatrixTest {

    private static final String BANK = "13807";

    @TempDir
    static Path dir;

    static BankSimulator simulator;
    static HttpClient client;

    @BeforeAll
    static void start() {
        TestPki pki = TestPki.generate(dir);
        simulator = BankSimulator.start(BankSimulator.Settings.forPki(pki));
        client = HttpClient.newBuilder().sslContext(ClientTls.of(pki, pki.qwacKeyStore(), pki.clientTrustStore()))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(null, ApiAnswer.Kind.PASSED, 201, Optional.empty()),
                Arguments.of(Fault.INVALID_TOKEN_STORM, ApiAnswer.Kind.INVALID_TOKEN, 403, Optional.empty()),
                Arguments.of(Fault.API_RATE_LIMITED_TMRQ, ApiAnswer.Kind.RATE_LIMITED, 403,
                        Optional.of(Duration.ofSeconds(10))),
                Arguments.of(Fault.API_RATE_LIMITED_TMRQ_RETRY_AFTER, ApiAnswer.Kind.RATE_LIMITED, 403,
                        Optional.of(Duration.ofSeconds(BankSimulator.RETRY_AFTER_SECONDS))),
                Arguments.of(Fault.API_FORBIDDEN_NAAC, ApiAnswer.Kind.PASSED, 403, Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void eachApiFaultIsReadAsTheLibraryActsOnIt(Fault fault, ApiAnswer.Kind kind, int status,
            Optional<Duration> pause) throws Exception {
        if (fault != null) {
            simulator.setFault(BANK, fault, 1);
        }
        String requestId = UUID.randomUUID().toString();
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(simulator.paymentRequestsEndpoint(BANK))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token())
                .header("Content-Type", "application/json")
                .header(ApiAnswer.REQUEST_ID, requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{\"paymentInformationId\":\"api-faults\"}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(status, answer.statusCode(), answer.body());
        assertEquals(kind, ApiAnswer.classify(answer.statusCode(),
                answer.headers().firstValue("WWW-Authenticate").orElse(null), answer.body()));
        assertNotNull(ApiAnswer.correlationId(name -> answer.headers().firstValue(name).orElse(null)),
                "the bank's correlation id, to quote");
        assertEquals(Optional.of(requestId), simulator.lastRequestId(BANK));
        ApiPauses pauses = new ApiPauses(new TestClock(), Duration.ofSeconds(10), Duration.ofMinutes(2));
        if (kind == ApiAnswer.Kind.RATE_LIMITED) {
            assertEquals(pause.orElseThrow(), pauses.pause(BANK, answer.headers().firstValue("Retry-After").orElse(null)));
        }
    }

    private static String token() throws Exception {
        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(simulator.tokenEndpoint(BANK))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id=PSDFR-ACPR-12345&scope=pisp")).build(),
                HttpResponse.BodyHandlers.ofString());
        try (JsonReader json = Json.createReader(new StringReader(reply.body()))) {
            return json.readObject().getString("access_token");
        }
    }
}
