package io.psd2token.demo;

import io.psd2token.token.AccessToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What the demo shows about a token: never the token, only a short one-way fingerprint to tell tokens apart.
 *
 * @param bank the bank code
 * @param tokenType the token type
 * @param scope the granted scope
 * @param expiresAt the expiry instant (ISO-8601)
 * @param fingerprint the first 12 hex digits of the token's SHA-256
 */
public record TokenStatus(String bank, String tokenType, String scope, String expiresAt, String fingerprint) {

    /** Describes {@code token} without revealing it. */
    public static TokenStatus of(AccessToken token) {
        return new TokenStatus(token.bank().value(), token.tokenType(), token.scope().value(),
                token.expiresAt().toString(), fingerprint(token.value()));
    }

    private static String fingerprint(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
