package io.psd2token.client;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads each answer of a bank's API before MP Rest Client turns it into an exception or a {@code Response}: tells
 * {@link BankApiCall} through a thread-local whether it was a 403 "Invalid token" or a rate limit, and logs one
 * FINE line per call with the ids an operator quotes to the bank. A 403's body is peeked (at most 8 KiB) and put
 * back untouched, so the application still reads the bank's full answer.
 */
final class BankAnswerFilter implements ClientResponseFilter {

    private static final Logger LOG = Logger.getLogger(BankApiClients.class.getName());
    private static final int PEEK_BYTES = 8 * 1024;

    /** The answer to the current thread's call. */
    static final ThreadLocal<ApiAnswer> LAST = new ThreadLocal<>();

    private final String bkcode;

    BankAnswerFilter(String bkcode) {
        this.bkcode = bkcode;
    }

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) throws IOException {
        int status = response.getStatus();
        String body = null;
        if (status == 403 && response.hasEntity()) {
            InputStream entity = response.getEntityStream();
            byte[] head = entity.readNBytes(PEEK_BYTES);
            response.setEntityStream(new SequenceInputStream(new ByteArrayInputStream(head), entity));
            body = new String(head, StandardCharsets.UTF_8);
        }
        ApiAnswer answer = new ApiAnswer(ApiAnswer.classify(status, response.getHeaderString("WWW-Authenticate"), body),
                request.getHeaderString(ApiAnswer.REQUEST_ID), ApiAnswer.correlationId(response::getHeaderString),
                response.getHeaderString("Retry-After"));
        LAST.set(answer);
        // The path, never the query or the headers: no token and no PSU data beyond resource ids in the log.
        LOG.log(Level.FINE, () -> "bank " + bkcode + ": " + request.getMethod() + " " + request.getUri().getRawPath()
                + " -> " + status + (answer.kind() == ApiAnswer.Kind.PASSED ? "" : " (" + answer.kind() + ")")
                + ", X-Request-ID " + answer.requestId() + ", bank correlation id " + answer.correlationId());
    }
}
