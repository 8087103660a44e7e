package io.psd2token.client;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Notices a 403 "Invalid token" answer before MP Rest Client turns it into an exception or a
 * {@code Response}, and tells {@link InvalidTokenRetry} through a thread-local. The body is peeked (at most
 * 8 KiB) and put back untouched, so the application still reads the bank's full answer.
 */
final class InvalidTokenDetector implements ClientResponseFilter {

    private static final int PEEK_BYTES = 8 * 1024;

    /** Set when the current thread's call got a 403 "Invalid token". */
    static final ThreadLocal<Boolean> REJECTED = new ThreadLocal<>();

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) throws IOException {
        if (response.getStatus() != 403) {
            return;
        }
        String challenge = response.getHeaderString("WWW-Authenticate");
        boolean invalid = challenge != null && challenge.toLowerCase(Locale.ROOT).contains("invalid_token");
        if (!invalid && response.hasEntity()) {
            InputStream body = response.getEntityStream();
            byte[] head = body.readNBytes(PEEK_BYTES);
            response.setEntityStream(new SequenceInputStream(new ByteArrayInputStream(head), body));
            String text = new String(head, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            invalid = text.contains("invalid token") || text.contains("invalid_token");
        }
        if (invalid) {
            REJECTED.set(Boolean.TRUE);
        }
    }
}
