package io.psd2token.testbed;

import static io.psd2token.testbed.Answers.error;
import static io.psd2token.testbed.Answers.readBody;
import static io.psd2token.testbed.Answers.sendJson;
import static io.psd2token.testbed.BankSimulator.MAX_BODY_BYTES;
import static io.psd2token.testbed.BankSimulator.PAYMENT_REQUESTS_PATH;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.sun.net.httpserver.HttpExchange;

import io.psd2token.testbed.BankSimulator.Fault;

import jakarta.json.Json;
import jakarta.json.JsonObject;

/**
 * A bank's protected API, the payment-request endpoint ({@link BankSimulator#PAYMENT_REQUESTS_PATH}): it creates a
 * payment request for a bearer token the bank issued and still stands by, and answers 403 "Invalid token" for any
 * other token, or for every token during {@link Fault#INVALID_TOKEN_STORM}.
 */
final class PaymentApi {

    // The façade's logger: log configurations and captures know the simulator by that name.
    private static final Logger LOG = Logger.getLogger(BankSimulator.class.getName());

    private final Clock clock;

    PaymentApi(Clock clock) {
        this.clock = clock;
    }

    void handle(HttpExchange exchange, BankState bank) throws IOException {
        bank.paymentRequests.incrementAndGet();
        // Read before any answer: an unread body left on a kept-alive connection can stall the client's next call.
        byte[] requestBody = readBody(exchange);
        // STET: every API call carries an X-Request-ID; BPCE answers with its own correlation id.
        String requestId = exchange.getRequestHeaders().getFirst("X-Request-ID");
        if (requestId == null) {
            bank.callsWithoutRequestId.incrementAndGet();
        }
        bank.lastRequestId = requestId;
        exchange.getResponseHeaders().set("X-CorrelationID", UUID.randomUUID().toString());
        if (requestId != null) {
            exchange.getResponseHeaders().set("X-Request-ID", requestId);
        }
        Fault fault = bank.take(Fault.Where.PAYMENT_ENDPOINT);
        if (fault == Fault.INVALID_TOKEN_STORM) {
            bank.invalidTokenResponses.incrementAndGet();
            LOG.log(Level.FINE, "bank {0}: payment request refused, invalid token storm", bank.code);
            sendJson(exchange, 403, error("invalid_token", "Invalid token"), Map.of());
            return;
        }
        if (fault == Fault.API_RATE_LIMITED_TMRQ || fault == Fault.API_RATE_LIMITED_TMRQ_RETRY_AFTER) {
            bank.rateLimitedResponses.incrementAndGet();
            sendJson(exchange, 403, stetError(403, "TMRQ"), fault == Fault.API_RATE_LIMITED_TMRQ
                    ? Map.of() : Map.of("Retry-After", Integer.toString(BankSimulator.RETRY_AFTER_SECONDS)));
            return;
        }
        if (fault == Fault.API_FORBIDDEN_NAAC) {
            sendJson(exchange, 403, stetError(403, "NAAC"), Map.of());
            return;
        }
        String token = bearerToken(exchange.getRequestHeaders().getFirst("Authorization"));
        if (token == null || !bank.isLive(token, clock.instant())) {
            // BPCE answers 403 "Invalid token" for missing, unknown, expired and other banks' tokens alike.
            bank.invalidTokenResponses.incrementAndGet();
            LOG.log(Level.FINE, "bank {0}: payment request refused, invalid token", bank.code);
            sendJson(exchange, 403, error("invalid_token", "Invalid token"), Map.of());
            return;
        }
        if (requestBody == null) {
            sendJson(exchange, 413, error("payload_too_large", "request body larger than " + MAX_BODY_BYTES
                    + " bytes"), Map.of());
            return;
        }
        String id = UUID.randomUUID().toString();
        JsonObject body = Json.createObjectBuilder()
                .add("paymentRequestResourceId", id)
                .add("bank", bank.code)
                .add("appliedAuthenticationApproach", "REDIRECT")
                .add("_links", Json.createObjectBuilder()
                        .add("consentApproval", Json.createObjectBuilder()
                                .add("href", "https://example.invalid/consent/" + id)))
                .build();
        LOG.log(Level.FINE, "bank {0}: payment request created", bank.code);
        sendJson(exchange, 201, body, Map.of("Location", "/" + bank.code + PAYMENT_REQUESTS_PATH + "/" + id));
    }

    /** A BPCE API error: the STET code in {@code message}. */
    private static JsonObject stetError(int status, String code) {
        return Json.createObjectBuilder().add("timestamp", java.time.Instant.now().toString()).add("status", status)
                .add("error", status == 403 ? "Forbidden" : "Error").add("message", code).build();
    }

    private static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String[] parts = authorization.trim().split(" +", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isBlank()) {
            return null;
        }
        return parts[1].trim();
    }
}
