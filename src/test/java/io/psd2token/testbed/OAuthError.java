package io.psd2token.testbed;

/**
 * An OAuth2 error answer (RFC 6749 §5.2), thrown inside the token endpoint (request checks and client certificate
 * check alike) to stop at the first failed check; the endpoint turns it into the JSON error answer.
 */
final class OAuthError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String error;

    OAuthError(int status, String error, String description) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
    }
}
