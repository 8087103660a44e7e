package io.psd2token.error;

import java.time.Duration;
import java.util.Optional;

/**
 * The bank answered the token request with an error (RFC 6749 §5.2), e.g. {@code invalid_client} when it
 * does not accept the client certificate or the {@code client_id}.
 */
public final class TokenRequestRejectedException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status of the bank's answer; serialized with the error, as are the fields below. */
    private final int status;
    /** The OAuth error code, or {@code null} when the bank sent none. */
    private final String error;
    /** The bounded error description, or {@code null} when the bank sent none. */
    private final String errorDescription;
    /** The delay the bank asked for, or {@code null} when it asked for none. */
    private final Duration retryAfter;

    public TokenRequestRejectedException(String bkcode, int status, String error, String errorDescription) {
        this(bkcode, status, error, errorDescription, null);
    }

    public TokenRequestRejectedException(String bkcode, int status, String error, String errorDescription,
            Duration retryAfter) {
        super(bkcode, message(status, error, errorDescription, retryAfter), null);
        this.status = status;
        this.error = error;
        this.errorDescription = errorDescription;
        this.retryAfter = retryAfter;
    }

    /**
     * How long the bank asked clients to wait (Retry-After of a 429 or 503), when it said.
     *
     * @return the delay measured from when the request was sent, zero for a date already past; empty when the
     *         status is neither 429 nor 503 or the header was absent or unreadable
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * The HTTP status the bank answered with.
     *
     * @return the status, e.g. 400 or 401 for an OAuth error (RFC 6749 §5.2), 429 or 5xx for an overloaded bank
     */
    public int status() {
        return status;
    }

    /**
     * The OAuth error code, e.g. {@code invalid_client}, when the bank sent one.
     *
     * @return the {@code error} member of the bank's JSON body, bounded and safe to log, or empty when the body
     *         had none
     */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    /**
     * The bank's error description (bounded, control characters removed), when it sent one.
     *
     * @return the {@code error_description} member, safe to log, or empty when the body had none
     */
    public Optional<String> errorDescription() {
        return Optional.ofNullable(errorDescription);
    }

    private static String message(int status, String error, String description, Duration retryAfter) {
        StringBuilder m = new StringBuilder("token request rejected with HTTP ").append(status);
        if (retryAfter != null) {
            m.append(", retry after ").append(retryAfter.toSeconds()).append(" s");
        }
        if (error != null) {
            m.append(", OAuth error ").append(error);
        }
        if (description != null) {
            m.append(" (\"").append(description).append("\")");
        }
        m.append(". ").append(hint(status, error));
        return m.toString();
    }

    private static String hint(int status, String error) {
        if ("invalid_client".equals(error) || status == 401) {
            return "Check that the Elytron key-manager presents the TPP's QWAC for this bank's host and that"
                    + " psd2.client-id equals the QWAC's organizationIdentifier.";
        }
        if ("invalid_scope".equals(error) || "unauthorized_client".equals(error)) {
            return "Check the requested scope against the PSD2 roles in the QWAC and the TPP's registration.";
        }
        if (status == 429) {
            return "The bank limits the request rate; tokens are reused, so check for many application nodes or"
                    + " restarts asking at once.";
        }
        if (status >= 500) {
            return "The bank failed; try again later.";
        }
        return "Check the token endpoint URL and the request parameters.";
    }

    private TokenRequestRejectedException(TokenRequestRejectedException original) {
        super(original);
        this.status = original.status;
        this.error = original.error;
        this.errorDescription = original.errorDescription;
        this.retryAfter = original.retryAfter;
    }

    @Override
    public TokenRequestRejectedException replay() {
        return new TokenRequestRejectedException(this);
    }
}
