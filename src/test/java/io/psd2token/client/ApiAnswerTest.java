package io.psd2token.client;

import static io.psd2token.client.ApiAnswer.Kind.INVALID_TOKEN;
import static io.psd2token.client.ApiAnswer.Kind.PASSED;
import static io.psd2token.client.ApiAnswer.Kind.RATE_LIMITED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which bank answers the library acts on: only an invalid token is retried, only a rate limit pauses. */
class ApiAnswerTest {

    @Test
    void bpceRateLimitIsA403WithTmrqAndA429IsOneWhateverItsBody() {
        assertEquals(RATE_LIMITED, ApiAnswer.classify(403, null,
                "{\"timestamp\":\"2026-12-05T10:00:00Z\",\"status\":403,\"error\":\"Forbidden\",\"message\":\"TMRQ\"}"));
        assertEquals(RATE_LIMITED, ApiAnswer.classify(403, null, " {\"message\":\" tmrq \"}"));
        assertEquals(RATE_LIMITED, ApiAnswer.classify(403, null, "{\"code\":\"TMRQ\",\"message\":\"Too many\"}"));
        assertEquals(RATE_LIMITED, ApiAnswer.classify(429, null, null));
        assertEquals(RATE_LIMITED, ApiAnswer.classify(429, null, "<html>slow down</html>"));
    }

    @Test
    void otherStetErrorsReachTheCallerUntouched() {
        for (String code : new String[] {"NAAC", "NIMP", "INTE", "AC01"}) {
            assertEquals(PASSED, ApiAnswer.classify(403, null, "{\"status\":403,\"message\":\"" + code + "\"}"), code);
        }
        // TMRQ merely mentioned in a text, in a cut body, or in another field is not the bank's code.
        assertEquals(PASSED, ApiAnswer.classify(403, null, "{\"message\":\"not TMRQ\"}"));
        assertEquals(PASSED, ApiAnswer.classify(403, null, "{\"message\":\"TMR"));
        assertEquals(PASSED, ApiAnswer.classify(403, null, "{\"path\":\"TMRQ\"}"));
        assertEquals(PASSED, ApiAnswer.classify(403, null, "TMRQ"));
        assertEquals(PASSED, ApiAnswer.classify(403, null, ""));
        assertEquals(PASSED, ApiAnswer.classify(403, null, null));
        assertEquals(PASSED, ApiAnswer.classify(500, null, "{\"message\":\"TMRQ\"}"));
        assertEquals(PASSED, ApiAnswer.classify(201, null, "{}"));
    }

    @Test
    void anInvalidTokenIsNamedByTheChallengeOrTheBody() {
        assertEquals(INVALID_TOKEN, ApiAnswer.classify(403, "Bearer error=\"invalid_token\"", null));
        assertEquals(INVALID_TOKEN, ApiAnswer.classify(403, null, "{\"message\":\"Invalid token\"}"));
        assertEquals(INVALID_TOKEN, ApiAnswer.classify(403, null, "{\"error\":\"invalid_token\"}"));
        assertEquals(PASSED, ApiAnswer.classify(401, "Bearer error=\"invalid_token\"", null),
                "only a 403 is BPCE's invalid token");
    }

    @Test
    void theCorrelationIdIsReadUnderEitherName() {
        assertEquals("a", ApiAnswer.correlationId(Map.of("X-Correlation-ID", "a", "X-CorrelationID", "b")::get));
        assertEquals("b", ApiAnswer.correlationId(Map.of("X-CorrelationID", "b")::get));
        assertNull(ApiAnswer.correlationId(Map.<String, String>of()::get));
    }
}
