package io.psd2token.internal.token;

import io.psd2token.bank.Scope;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The token request of the client credentials grant (RFC 6749 §4.4.2) with mutual-TLS client
 * authentication (RFC 8705 {@code tls_client_auth}): the QWAC authenticates, the body names the client.
 *
 * @param clientId the TPP's {@code client_id}, the QWAC's organizationIdentifier (e.g. {@code PSDFR-ACPR-12345})
 * @param scope the roles asked for
 */
public record ClientCredentialsGrant(String clientId, Scope scope) {

    /** A client_id longer than this is certainly a configuration mistake (BPCE documents at most 34). */
    static final int MAX_CLIENT_ID_LENGTH = 128;

    /**
     * Checks the client_id before it is sent to a bank.
     *
     * @param clientId the TPP's {@code client_id}: printable ASCII without spaces, at most 128 characters
     * @param scope the roles asked for; required
     * @throws IllegalArgumentException when the client_id is blank, too long or holds non-printable characters
     */
    public ClientCredentialsGrant {
        Objects.requireNonNull(scope, "scope");
        if (clientId == null || clientId.isBlank()) {
            throw new IllegalArgumentException("client_id is empty: set psd2.client-id to the QWAC's"
                    + " organizationIdentifier, e.g. PSDFR-ACPR-12345");
        }
        if (clientId.length() > MAX_CLIENT_ID_LENGTH || !clientId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("client_id must be at most " + MAX_CLIENT_ID_LENGTH
                    + " printable ASCII characters without spaces, e.g. PSDFR-ACPR-12345");
        }
    }

    /**
     * The {@code application/x-www-form-urlencoded} request body (RFC 6749 Appendix B).
     *
     * @return {@code grant_type}, {@code client_id} and {@code scope}, URL-encoded; no secret, since the QWAC
     *         authenticates the client (RFC 8705 §2)
     */
    public String formBody() {
        return "grant_type=client_credentials"
                + "&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(scope.value(), StandardCharsets.UTF_8);
    }
}
