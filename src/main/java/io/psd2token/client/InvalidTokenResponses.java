package io.psd2token.client;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;

/**
 * Recognises a bank's "your token is no longer valid" answer: HTTP 403 whose body says "Invalid token"
 * (the BPCE wording; RFC 6750's {@code invalid_token} error code is recognised too). Other 403s — a refused
 * consent, a missing role — are the bank's real answer and are not retried.
 */
public final class InvalidTokenResponses {

    private InvalidTokenResponses() {
    }

    /**
     * True if {@code response} is a 403 "Invalid token". Buffers the entity, so the caller can still read it.
     *
     * @param response the bank's answer to an API call, or {@code null}
     * @return true for a 403 whose {@code WWW-Authenticate} header or body names an invalid token; false for
     *         anything else, a bare 403 or an unreadable body included, so that only a token problem is retried
     */
    public static boolean isInvalidToken(Response response) {
        return kind(response) == ApiAnswer.Kind.INVALID_TOKEN;
    }

    /**
     * True if {@code response} refuses the call for the bank's rate limit: HTTP 429, or 403 whose STET error code
     * is {@code TMRQ} (BPCE). Not an invalid token: keep the token, do not re-send at once, honour
     * {@code Retry-After}. Buffers the entity, so the caller can still read it.
     *
     * @param response the bank's answer to an API call, or {@code null}
     * @return true for a rate-limit refusal
     */
    public static boolean isRateLimited(Response response) {
        return kind(response) == ApiAnswer.Kind.RATE_LIMITED;
    }

    private static ApiAnswer.Kind kind(Response response) {
        if (response == null) {
            return ApiAnswer.Kind.PASSED;
        }
        String body = null;
        if (response.getStatus() == 403) {
            try {
                response.bufferEntity();
                body = response.hasEntity() ? response.readEntity(String.class) : "";
            } catch (ProcessingException | IllegalStateException e) {
                // Entity already consumed or not readable: a bare 403 is not proof of an invalid token.
                body = null;
            }
        }
        return ApiAnswer.classify(response.getStatus(), response.getHeaderString("WWW-Authenticate"), body);
    }
}
