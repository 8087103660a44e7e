package io.psd2token.testbed;

import static io.psd2token.testbed.Answers.error;
import static io.psd2token.testbed.Answers.sendJson;
import static io.psd2token.testbed.Answers.sendText;
import static io.psd2token.testbed.BankSimulator.DEFAULT_SCOPE;
import static io.psd2token.testbed.BankSimulator.DEFAULT_TOKEN_TYPE;
import static io.psd2token.testbed.BankSimulator.DRIP_INTERVAL;
import static io.psd2token.testbed.BankSimulator.OVERSIZED_BODY_BYTES;
import static io.psd2token.testbed.BankSimulator.RETRY_AFTER_DATE_DELAY;
import static io.psd2token.testbed.BankSimulator.RETRY_AFTER_SECONDS;
import static io.psd2token.testbed.BankSimulator.TOKEN_PATH;
import static io.psd2token.testbed.IssuedTokens.longJwtLikeToken;
import static io.psd2token.testbed.IssuedTokens.newToken;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.psd2token.testbed.BankSimulator.Fault;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

/**
 * The answers of a bank's token endpoint when a {@linkplain Fault.Where#TOKEN_ENDPOINT token-endpoint fault} is on:
 * hangs, drips, truncated and oversized bodies, HTTP errors with or without Retry-After, broken or odd token JSON,
 * and the legal oddities a client must accept. Tokens in answers a client may use are registered live with the
 * bank; those in broken answers are recorded for the leak checks only.
 */
final class TokenEndpointFaults {

    // IMF-fixdate (RFC 9110 §5.6.7), the HTTP-date form a sender must generate.
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final IssuedTokens tokens;
    private final Clock clock;

    TokenEndpointFaults(IssuedTokens tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    void answer(HttpExchange exchange, BankState bank, Fault fault, long generation) throws IOException {
        String lifetime = Long.toString(tokens.lifetime().toSeconds());
        switch (fault) {
            case ACCEPT_THEN_HANG -> bank.awaitFaultChange(generation);
            case CLOSE_WITHOUT_ANSWER -> {
                // Returning without an answer makes the server close the connection.
            }
            case SLOW_DRIP_BODY -> drip(exchange, bank, generation,
                    tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime));
            case TRUNCATED_BODY -> {
                byte[] body = bytes(tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime));
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                OutputStream out = exchange.getResponseBody();
                out.write(body, 0, body.length / 2);
                out.flush();
                // Closing short of the announced length makes the server drop the connection.
                exchange.close();
            }
            case INTERNAL_SERVER_ERROR -> sendJson(exchange, 500,
                    error("server_error", "unexpected condition"), Map.of());
            case BAD_GATEWAY_HTML -> sendText(exchange, 502, "text/html; charset=utf-8",
                    "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
                    Map.of());
            case SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS -> sendJson(exchange, 503,
                    error("temporarily_unavailable", "maintenance in progress"),
                    Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
            case TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS -> sendJson(exchange, 429,
                    error("too_many_requests", "slow down"),
                    Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
            case TOO_MANY_REQUESTS_RETRY_AFTER_DATE -> sendJson(exchange, 429,
                    error("too_many_requests", "slow down"), Map.of("Retry-After", HTTP_DATE.format(
                            clock.instant().plus(RETRY_AFTER_DATE_DELAY).truncatedTo(ChronoUnit.SECONDS))));
            case INVALID_REQUEST -> sendJson(exchange, 400,
                    error("invalid_request", "the request is missing a required parameter"), Map.of());
            case INVALID_CLIENT -> sendJson(exchange, 401,
                    error("invalid_client", "client authentication failed"), Map.of());
            case REDIRECT -> {
                exchange.getResponseHeaders().set("Location", "https://attacker.invalid" + TOKEN_PATH);
                exchange.sendResponseHeaders(302, -1);
            }
            case MALFORMED_JSON -> {
                String json = tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime).build().toString();
                sendText(exchange, 200, "application/json", json.substring(0, json.length() - 1) + ",\"scope\":",
                        Map.of());
            }
            case EMPTY_BODY -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, -1);
            }
            case HTML_BODY -> sendText(exchange, 200, "text/html; charset=utf-8",
                    "<!DOCTYPE html><html><body><p>Service en maintenance. access_token=" + deadToken()
                            + "</p></body></html>", Map.of());
            case OVERSIZED_BODY -> sendOversized(exchange, false);
            case OVERSIZED_CHUNKED_BODY -> sendOversized(exchange, true);
            case MISSING_ACCESS_TOKEN -> sendJson(exchange, 200, Json.createObjectBuilder()
                    .add("token_type", DEFAULT_TOKEN_TYPE).add("expires_in", lifetime).add("scope", DEFAULT_SCOPE)
                    .build(), Map.of());
            case MISSING_TOKEN_TYPE -> sendJson(exchange, 200, Json.createObjectBuilder()
                    .add("access_token", deadToken()).add("expires_in", lifetime).add("scope", DEFAULT_SCOPE)
                    .build(), Map.of());
            case MAC_TOKEN_TYPE -> sendJson(exchange, 200, tokenJson(deadToken(), "MAC").add("expires_in", lifetime)
                    .add("mac_key", newToken()).add("mac_algorithm", "hmac-sha-256").build(), Map.of());
            case EXPIRES_IN_NEGATIVE -> sendJson(exchange, 200,
                    tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", -3600).build(), Map.of());
            case EXPIRES_IN_ZERO -> sendJson(exchange, 200,
                    tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", 0).build(), Map.of());
            case EXPIRES_IN_NOT_NUMERIC -> sendJson(exchange, 200,
                    tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", "one hour").build(), Map.of());
            case EXPIRES_IN_HUGE -> sendJson(exchange, 200, tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE)
                    .add("expires_in", BigInteger.TEN.pow(20)).build(), Map.of());
            case EXPIRES_IN_HUGE_STRING -> sendJson(exchange, 200,
                    tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE)
                            .add("expires_in", BigInteger.TEN.pow(20).toString()).build(), Map.of());
            case TEXT_PLAIN_JSON -> sendText(exchange, 200, "text/plain; charset=utf-8",
                    tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime).build()
                            .toString(), Map.of());
            case ACCESS_TOKEN_WITH_CONTROL_CHARACTERS -> sendJson(exchange, 200,
                    tokenJson(deadToken() + "\r\nX-Injected: yes", DEFAULT_TOKEN_TYPE).add("expires_in", lifetime)
                            .build(), Map.of());
            case LONG_JWT_ACCESS_TOKEN -> sendJson(exchange, 200,
                    tokenJson(liveToken(bank, longJwtLikeToken()), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime)
                            .build(), Map.of());
            case EXTRA_FIELDS -> sendJson(exchange, 200, tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE)
                    .add("expires_in", lifetime)
                    .add("consented_on", 1_767_225_600L)
                    .add("refresh_token_expires_in", 0)
                    .add("id_token", JsonValue.NULL)
                    .add("psd2_roles", Json.createArrayBuilder().add("PSP_PI").add("PSP_AI"))
                    .add("x_bank", Json.createObjectBuilder().add("bkcode", bank.code).add("beta", true)
                            .add("limits", Json.createArrayBuilder().add(1).add(2.5)))
                    .build(), Map.of());
            default -> throw new IllegalStateException("not a token endpoint fault: " + fault);
        }
    }

    private JsonObjectBuilder tokenJson(String token, String tokenType) {
        return Json.createObjectBuilder().add("access_token", token).add("token_type", tokenType)
                .add("scope", DEFAULT_SCOPE);
    }

    private static byte[] bytes(JsonObjectBuilder json) {
        return json.build().toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sends the headers at once, then the body a byte per {@link BankSimulator#DRIP_INTERVAL} until done or the
     * fault changes.
     */
    private void drip(HttpExchange exchange, BankState bank, long generation, JsonObjectBuilder json)
            throws IOException {
        byte[] body = bytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        OutputStream out = exchange.getResponseBody();
        out.flush();
        for (byte b : body) {
            if (!bank.sleepUnlessFaultChanges(generation, DRIP_INTERVAL)) {
                // Cut short of the announced length: the server drops the connection.
                exchange.close();
                return;
            }
            out.write(b);
            out.flush();
        }
        out.close();
    }

    /**
     * A JSON body of {@link BankSimulator#OVERSIZED_BODY_BYTES} carrying a token, written until done or the client
     * hangs up.
     */
    private void sendOversized(HttpExchange exchange, boolean chunked) throws IOException {
        byte[] head = ("{\"access_token\":\"" + deadToken() + "\",\"token_type\":\"Bearer\",\"padding\":\"")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, chunked ? 0 : OVERSIZED_BODY_BYTES);
        byte[] filler = new byte[16 * 1024];
        Arrays.fill(filler, (byte) 'x');
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(head);
            long left = OVERSIZED_BODY_BYTES - head.length - tail.length;
            while (left > 0) {
                int n = (int) Math.min(filler.length, left);
                out.write(filler, 0, n);
                left -= n;
            }
            out.write(tail);
        }
    }

    /** Registers a token the bank stands by: it works at the payment API until it expires. */
    private String liveToken(BankState bank, String token) {
        return tokens.live(bank, token);
    }

    /** A token written into a broken answer: listed for leak checks, refused by the payment API. */
    private String deadToken() {
        return tokens.dead();
    }
}
