package io.psd2token.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.error.InvalidTokenResponseException;
import io.psd2token.error.TokenRequestRejectedException;
import io.psd2token.error.UnsupportedTokenTypeException;
import io.psd2token.token.AccessToken;
import io.psd2token.error.BankTokenException;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.internal.http.HttpReply;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenResponseParserTest {

    private static final Jsonb JSONB = JsonbBuilder.create();
    private static final Bkcode BANK = Bkcode.of("13807");
    private static final Instant SENT = Instant.parse("2026-11-25T10:00:00Z");
    private static final String TOKEN = "eyJhbGciOi.JIUzI1NiJ9-abc_def~ghi+jk/l==";

    private final TokenResponseParser parser = new TokenResponseParser(JSONB, TokenPolicy.DEFAULT);

    @AfterAll
    static void closeJsonb() throws Exception {
        JSONB.close();
    }

    private AccessToken parse(int status, String contentType, String body) {
        return parser.parse(BANK, Scope.PISP, new HttpReply(status, contentType, body), SENT);
    }

    private AccessToken parse(String body) {
        return parse(200, "application/json", body);
    }

    @Test
    void bpceExampleWithQuotedExpiresInIsAccepted() {
        AccessToken t = parse("{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":\"3600\","
                + "\"scope\":\"pisp\"}");
        assertEquals(TOKEN, t.value());
        assertEquals("Bearer " + TOKEN, t.authorizationHeader());
        assertEquals(Duration.ofHours(1), t.lifetime());
        assertEquals(SENT.plusSeconds(3600), t.expiresAt(), "lifetime counts from sending");
        assertEquals(BANK, t.bank());
    }

    @Test
    void numericExpiresInIsAccepted() {
        assertEquals(Duration.ofSeconds(120), parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\","
                + "\"expires_in\":120}").lifetime());
    }

    @Test
    void absentOrNullExpiresInTakesTheConfiguredDefault() {
        var custom = new TokenPolicy(Duration.ofSeconds(42), Duration.ofHours(1), Duration.ofSeconds(1),
                Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO);
        var p = new TokenResponseParser(JSONB, custom);
        assertEquals(Duration.ofSeconds(42), p.parse(BANK, Scope.PISP, new HttpReply(200, "application/json",
                "{\"access_token\":\"a\",\"token_type\":\"Bearer\"}"), SENT).lifetime());
        assertEquals(Duration.ofSeconds(42), p.parse(BANK, Scope.PISP, new HttpReply(200, "application/json",
                "{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"expires_in\":null}"), SENT).lifetime());
    }

    @Test
    void hugeExpiresInIsCutToTheMaximumLifetime() {
        assertEquals(TokenPolicy.DEFAULT.maxLifetime(), parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\","
                + "\"expires_in\":99999999999999999999999}").lifetime());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "\"-5\"", "\"0\"", "\"soon\"", "\"3600s\"", "0.5", "\"1e3\"", "true", "{}",
            "[1]", "\"\"", "-9223372036854775809", "\"-9223372036854775809\"", "-1e30"})
    void expiresInThatIsNotAPositiveNumberOfSecondsIsRejected(String expiresIn) {
        var e = assertThrows(InvalidTokenResponseException.class, () -> parse("{\"access_token\":\"a\","
                + "\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}"));
        assertTrue(e.getMessage().contains("expires_in"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"3600, 3600", "3600.0, 3600", "\"3600.0\", 3600", "1e3, 1000", "12.9, 12", "\"12.5\", 12"})
    void expiresInAsAnIntegralOrFractionalNumberIsReadAndAFractionCut(String expiresIn, long seconds) {
        // Found by the hardening runs: integral decimals and exponents are numbers of seconds; a fraction is cut, never
        // rounded up, so a token is never kept longer than announced.
        assertEquals(Duration.ofSeconds(seconds), parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\","
                + "\"expires_in\":" + expiresIn + "}").lifetime());
    }

    @Test
    void tokenTypeIsCaseInsensitive() {
        assertEquals("bearer", parse("{\"access_token\":\"a\",\"token_type\":\"bearer\"}").tokenType());
        assertEquals("BEARER", parse("{\"access_token\":\"a\",\"token_type\":\"BEARER\"}").tokenType());
    }

    @Test
    void macTokenIsRejectedAndNeverReturned() {
        var e = assertThrows(UnsupportedTokenTypeException.class,
                () -> parse("{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"MAC\",\"expires_in\":3600}"));
        assertEquals("MAC", e.tokenType());
        assertTrue(e.getMessage().contains("Bearer"));
        assertFalse(e.getMessage().contains(TOKEN));
        assertEquals("13807", e.bkcode().orElseThrow());
    }

    @Test
    void missingTokenOrTokenTypeIsRejectedNamingTheField() {
        assertTrue(assertThrows(InvalidTokenResponseException.class,
                () -> parse("{\"token_type\":\"Bearer\"}")).getMessage().contains("access_token"));
        assertTrue(assertThrows(InvalidTokenResponseException.class,
                () -> parse("{\"access_token\":\"\",\"token_type\":\"Bearer\"}")).getMessage().contains("access_token"));
        assertTrue(assertThrows(InvalidTokenResponseException.class,
                () -> parse("{\"access_token\":\"a\"}")).getMessage().contains("token_type"));
    }

    @Test
    void tokenWithCharactersAHeaderCannotCarryIsRejectedWithoutEchoingIt() {
        var e = assertThrows(InvalidTokenResponseException.class,
                () -> parse("{\"access_token\":\"abc\\r\\nX-Evil: 1\",\"token_type\":\"Bearer\"}"));
        assertTrue(e.getMessage().contains("RFC 6750"));
        assertFalse(e.getMessage().contains("X-Evil"));
    }

    @Test
    void longJwtTokensAndExtraFieldsAreAccepted() {
        String jwt = "a".repeat(900) + "." + "b".repeat(300) + "." + "c".repeat(86);
        AccessToken t = parse("{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":60,"
                + "\"refresh_expires_in\":0,\"not-before-policy\":0,\"session_state\":{\"x\":[1,2]}}");
        assertEquals(jwt, t.value());
    }

    @Test
    void grantedScopeIsKeptAndAbsentScopeMeansTheRequestedOne() {
        assertEquals(Scope.of("aisp pisp"), parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\","
                + "\"scope\":\"pisp aisp\"}").scope());
        assertEquals(Scope.PISP, parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\"}").scope());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]", "{\"access_token\":", "\"string\"", "{\"access_token\":{\"a\":1},\"token_type\":\"Bearer\"}"})
    void bodyThatIsNotATokenObjectIsRejected(String body) {
        var e = assertThrows(BankTokenException.class, () -> parse(body));
        assertTrue(e instanceof InvalidTokenResponseException, e.toString());
    }

    @Test
    void emptyBodyIsRejected() {
        assertTrue(assertThrows(InvalidTokenResponseException.class, () -> parse(" "))
                .getMessage().contains("empty body"));
    }

    @Test
    void nonJsonContentTypeIsRejectedButCharsetParameterAndMissingTypeAreFine() {
        var e = assertThrows(InvalidTokenResponseException.class,
                () -> parse(200, "text/html", "<html>proxy error</html>"));
        assertTrue(e.getMessage().contains("text/html"));
        assertEquals("a", parse(200, "application/json; charset=UTF-8",
                "{\"access_token\":\"a\",\"token_type\":\"Bearer\"}").value());
        assertEquals("a", parse(200, null, "{\"access_token\":\"a\",\"token_type\":\"Bearer\"}").value());
    }

    @Test
    void oauthErrorResponseBecomesRejectionWithCodeAndBoundedDescription() {
        var e = assertThrows(TokenRequestRejectedException.class, () -> parse(401, "application/json",
                "{\"error\":\"invalid_client\",\"error_description\":\"" + "x".repeat(5000) + "\\u0007\"}"));
        assertEquals(401, e.status());
        assertEquals("invalid_client", e.error().orElseThrow());
        assertTrue(e.errorDescription().orElseThrow().length() <= 203);
        assertTrue(e.getMessage().contains("QWAC"), "says what to check: " + e.getMessage());
        assertTrue(e.getMessage().length() < 600);
    }

    @Test
    void nonJsonErrorBodyGivesTheStatusOnly() {
        var e = assertThrows(TokenRequestRejectedException.class,
                () -> parse(502, "text/html", "<html>" + TOKEN + "</html>"));
        assertEquals(502, e.status());
        assertTrue(e.error().isEmpty());
        assertFalse(e.getMessage().contains(TOKEN));
    }

    @Test
    void tokenNeverAppearsInToString() {
        AccessToken t = parse("{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":60}");
        assertFalse(t.toString().contains(TOKEN), t.toString());
        assertFalse(t.toString().contains("eyJ"), t.toString());
        assertTrue(t.toString().contains("13807"));
        HttpReply reply = new HttpReply(200, "application/json", "{\"access_token\":\"" + TOKEN + "\"}");
        assertFalse(reply.toString().contains(TOKEN));
    }
}
