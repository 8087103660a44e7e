package io.psd2token.client;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.Locale;

/**
 * What one answer of a bank's API means to the library, and the ids an operator quotes to the bank.
 *
 * @param kind how the library treats the answer
 * @param requestId the call's {@code X-Request-ID}, or {@code null}
 * @param correlationId the bank's correlation id ({@code X-Correlation-ID} or {@code X-CorrelationID}), or {@code null}
 * @param retryAfter the bank's {@code Retry-After} header as sent, or {@code null}
 */
record ApiAnswer(Kind kind, String requestId, String correlationId, String retryAfter) {

    /** The STET header naming a call, required on every API call. */
    static final String REQUEST_ID = "X-Request-ID";

    /** How the library treats an answer. */
    enum Kind {
        /** The bank's own answer, success or error ({@code NAAC}, {@code NIMP}, …): the caller's business. */
        PASSED,
        /** 403 "Invalid token": the token is evicted and the call sent once more with a new one. */
        INVALID_TOKEN,
        /** 403 {@code TMRQ} or 429: the bank's API limits the rate; the token is kept and nothing is re-sent. */
        RATE_LIMITED
    }

    /**
     * Reads an answer.
     *
     * @param status the HTTP status
     * @param challenge the {@code WWW-Authenticate} header, or {@code null}
     * @param body the start of the body (a 403's is read, others need not be), or {@code null}
     * @return the kind of the answer
     */
    static Kind classify(int status, String challenge, String body) {
        if (status == 429) {
            return Kind.RATE_LIMITED;
        }
        if (status != 403) {
            return Kind.PASSED;
        }
        if (challenge != null && challenge.toLowerCase(Locale.ROOT).contains("invalid_token")) {
            return Kind.INVALID_TOKEN;
        }
        if (body == null || body.isEmpty()) {
            return Kind.PASSED;
        }
        if (isStetCode(body, "TMRQ")) {
            return Kind.RATE_LIMITED;
        }
        String lower = body.toLowerCase(Locale.ROOT);
        return lower.contains("invalid token") || lower.contains("invalid_token") ? Kind.INVALID_TOKEN : Kind.PASSED;
    }

    /**
     * Whether a STET error body carries {@code code}: BPCE puts it in {@code message}; {@code error} and
     * {@code code} are read too. A body that is not a JSON object (or was cut) carries none.
     */
    private static boolean isStetCode(String body, String code) {
        if (!body.stripLeading().startsWith("{")) {
            return false;
        }
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            JsonObject error = reader.readObject();
            for (String field : new String[] {"message", "error", "code"}) {
                JsonValue value = error.get(field);
                if (value instanceof JsonString text && text.getString().strip().equalsIgnoreCase(code)) {
                    return true;
                }
            }
            return false;
        } catch (JsonException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * The bank's correlation id of an answer: STET names it {@code X-Correlation-ID}, BPCE sends {@code X-CorrelationID}.
     *
     * @param header reads a response header by name, {@code null} when absent
     * @return the id, or {@code null}
     */
    static String correlationId(java.util.function.Function<String, String> header) {
        String id = header.apply("X-Correlation-ID");
        return id != null ? id : header.apply("X-CorrelationID");
    }
}
