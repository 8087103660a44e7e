package io.psd2token.demo;

import io.psd2token.error.BankRateLimitedException;
import io.psd2token.error.BankTokenException;
import io.psd2token.error.ConfigurationException;
import io.psd2token.error.UnknownBankException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Shows the library's typed errors to the demo's caller: the error type and its message, which are safe to
 * show because they never contain a token. Unknown bank is 404, configuration 500, the bank's API rate limit 429
 * with the pause in {@code Retry-After} (so the demo's own callers slow down too), anything else from the bank 502.
 */
@Provider
public class BankTokenExceptionMapper implements ExceptionMapper<BankTokenException> {

    @Override
    public Response toResponse(BankTokenException e) {
        int status = e instanceof UnknownBankException ? 404 : e instanceof ConfigurationException ? 500
                : e instanceof BankRateLimitedException ? 429 : 502;
        return Response.status(status)
                .header("Retry-After", e instanceof BankRateLimitedException limited
                        ? Math.max(1, limited.retryIn().toSeconds()) : null)
                .type(MediaType.APPLICATION_JSON)
                .entity(new Problem(e.getClass().getSimpleName(), e.bkcode().orElse(null), e.getMessage()))
                .build();
    }

    /**
     * The JSON error body.
     *
     * @param error the exception type, e.g. {@code TlsHandshakeException}
     * @param bank the bank concerned, if any
     * @param message what happened and what to check
     */
    public record Problem(String error, String bank, String message) {
    }
}
