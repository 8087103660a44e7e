package io.psd2token.client;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;
import java.util.Locale;

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
        if (response == null || response.getStatus() != 403) {
            return false;
        }
        String challenge = response.getHeaderString("WWW-Authenticate");
        if (challenge != null && challenge.toLowerCase(Locale.ROOT).contains("invalid_token")) {
            return true;
        }
        try {
            response.bufferEntity();
            String body = response.hasEntity() ? response.readEntity(String.class) : "";
            String lower = body.toLowerCase(Locale.ROOT);
            return lower.contains("invalid token") || lower.contains("invalid_token");
        } catch (ProcessingException | IllegalStateException e) {
            // Entity already consumed or not readable: a bare 403 is not proof of an invalid token.
            return false;
        }
    }
}
