package io.psd2token.token;

import io.psd2token.BankTokenException;
import java.util.Optional;

/**
 * The bank answered the token request with an error (RFC 6749 §5.2), e.g. {@code invalid_client} when it
 * does not accept the client certificate or the {@code client_id}.
 */
public final class TokenRequestRejectedException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final String errorDescription;

    TokenRequestRejectedException(String bkcode, int status, String error, String errorDescription) {
        super(bkcode, message(status, error, errorDescription), null);
        this.status = status;
        this.error = error;
        this.errorDescription = errorDescription;
    }

    /** The HTTP status the bank answered with. */
    public int status() {
        return status;
    }

    /** The OAuth error code, e.g. {@code invalid_client}, when the bank sent one. */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    /** The bank's error description (bounded, control characters removed), when it sent one. */
    public Optional<String> errorDescription() {
        return Optional.ofNullable(errorDescription);
    }

    private static String message(int status, String error, String description) {
        StringBuilder m = new StringBuilder("token request rejected with HTTP ").append(status);
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
        if (status >= 500) {
            return "The bank failed; try again later.";
        }
        return "Check the token endpoint URL and the request parameters.";
    }
}
