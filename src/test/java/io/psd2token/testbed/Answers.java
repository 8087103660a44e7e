package io.psd2token.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import jakarta.json.Json;
import jakarta.json.JsonObject;

/**
 * How the simulated banks write their HTTP answers (RFC 6749 style JSON errors, JSON and text bodies with a
 * Content-Length) and read request bodies no larger than {@link BankSimulator#MAX_BODY_BYTES}; shared by the
 * router, the token endpoint, its faults and the payment API.
 */
final class Answers {

    private Answers() {
    }

    /** Reads the request body, or returns null if it is larger than {@link BankSimulator#MAX_BODY_BYTES}. */
    static byte[] readBody(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(BankSimulator.MAX_BODY_BYTES + 1);
        return body.length > BankSimulator.MAX_BODY_BYTES ? null : body;
    }

    static JsonObject error(String error, String description) {
        return Json.createObjectBuilder().add("error", error).add("error_description", description).build();
    }

    static void sendJson(HttpExchange exchange, int status, JsonObject body, Map<String, String> headers)
            throws IOException {
        sendText(exchange, status, "application/json", body.toString(), headers);
    }

    static void sendText(HttpExchange exchange, int status, String contentType, String body,
            Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Headers responseHeaders = exchange.getResponseHeaders();
        responseHeaders.set("Content-Type", contentType);
        headers.forEach(responseHeaders::set);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
