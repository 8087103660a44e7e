package io.psd2token.testbed;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The token values the simulator makes and the lifetime it gives them: a token the bank stands by is registered
 * with the bank until it expires ({@link #live}), a token written into a broken answer is not ({@link #dead}), and
 * every value written into an answer is recorded for the leak checks ({@link #values()}).
 */
final class IssuedTokens {

    private static final int TOKEN_BYTES = 32; // 43 base64url characters
    private static final SecureRandom RANDOM = new SecureRandom();
    // Bounds the memory of issuedTokenValues() in a long-running simulator (the demo); tests issue far fewer.
    private static final int MAX_RECORDED_TOKENS = 100_000;

    private final Clock clock;
    private final Set<String> issued = ConcurrentHashMap.newKeySet();
    private volatile Duration lifetime;

    IssuedTokens(Clock clock, Duration lifetime) {
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** The lifetime of tokens issued from now on, for every bank. */
    Duration lifetime() {
        return lifetime;
    }

    void setLifetime(Duration newLifetime) {
        lifetime = newLifetime;
    }

    /** Every token value written into an answer since the simulator started. */
    Set<String> values() {
        return Set.copyOf(issued);
    }

    /** Registers a token the bank stands by: it works at the payment API until it expires. */
    String live(BankState bank, String token) {
        return live(bank, token, lifetime);
    }

    String live(BankState bank, String token, Duration tokenLifetime) {
        Instant now = clock.instant();
        // Drop expired tokens here so long-running simulators do not grow without bound.
        bank.tokenExpiries.values().removeIf(expiry -> !expiry.isAfter(now));
        if (bank.revokesPreviousTokens) {
            // A bank that revokes a client's previous token whenever it issues a new one.
            bank.tokenExpiries.clear();
        }
        bank.tokenExpiries.put(token, now.plus(tokenLifetime));
        bank.tokensIssued.incrementAndGet();
        return record(token);
    }

    /** A token written into a broken answer: listed for leak checks, refused by the payment API. */
    String dead() {
        return record(newToken());
    }

    private String record(String token) {
        if (issued.size() < MAX_RECORDED_TOKENS) {
            issued.add(token);
        }
        return token;
    }

    static String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A JWT-like token (header.payload.signature, base64url) of exactly {@link BankSimulator#LONG_TOKEN_LENGTH}
     * characters.
     */
    static String longJwtLikeToken() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"bank-simulator\"}"
                .getBytes(StandardCharsets.UTF_8));
        byte[] signatureBytes = new byte[256];
        RANDOM.nextBytes(signatureBytes);
        String signature = b64.encodeToString(signatureBytes);
        int payloadLength = BankSimulator.LONG_TOKEN_LENGTH - header.length() - signature.length() - 2;
        StringBuilder claims = new StringBuilder("{\"jti\":\"").append(newToken())
                .append("\",\"iss\":\"https://www.89c3.example\",\"scope\":\"pisp\",\"pad\":\"");
        String payload = b64.encodeToString(claims.append("x".repeat(payloadLength)).append("\"}").toString()
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + payload.substring(0, payloadLength) + "." + signature;
    }
}
