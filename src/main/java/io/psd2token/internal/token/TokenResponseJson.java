package io.psd2token.internal.token;

import jakarta.json.JsonValue;
import jakarta.json.bind.annotation.JsonbProperty;

/**
 * The wire form of a token or error response (RFC 6749 §5.1 and §5.2), bound by JSON-B.
 *
 * <p>Public only because JSON-B binds public fields; use {@link AccessToken}. {@code expires_in} is kept
 * as a raw JSON value because banks send it as a number or as a string ({@code "3600"}).
 */
public final class TokenResponseJson {

    /** {@code access_token}. */
    @JsonbProperty("access_token")
    public String accessToken;

    /** {@code token_type}. */
    @JsonbProperty("token_type")
    public String tokenType;

    /** {@code expires_in}: number, numeric string, or absent. */
    @JsonbProperty("expires_in")
    public JsonValue expiresIn;

    /** {@code scope}. */
    @JsonbProperty("scope")
    public String scope;

    /** {@code error} of an error response. */
    @JsonbProperty("error")
    public String error;

    /** {@code error_description} of an error response. */
    @JsonbProperty("error_description")
    public String errorDescription;

    @Override
    public String toString() {
        return "TokenResponseJson[tokenType=" + tokenType + ", scope=" + scope + ", error=" + error + "]";
    }
}
