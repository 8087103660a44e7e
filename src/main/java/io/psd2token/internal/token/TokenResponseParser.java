package io.psd2token.internal.token;

import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.error.InvalidTokenResponseException;
import io.psd2token.error.SafeText;
import io.psd2token.error.TokenRequestRejectedException;
import io.psd2token.error.UnsupportedTokenTypeException;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.internal.http.RetryAfter;
import io.psd2token.token.AccessToken;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Every rule a bank's token response must follow, in one place (RFC 6749 §5.1/§5.2, RFC 6750, the BPCE
 * page). Each broken rule is a typed error naming the rule; nothing from the body is echoed unbounded.
 */
final class TokenResponseParser {

    private static final String BEARER = "Bearer";

    /** RFC 6750 §2.1 b64token: the only characters a bearer token may hold (checked again on shared entries). */
    static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    // A plain decimal: digits, optionally a fraction; no sign, no exponent, nothing else.
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,40}(\\.[0-9]{1,40})?");
    private static final int MAX_ERROR_CODE = 64;
    private static final int MAX_ERROR_DESCRIPTION = 200;

    private static final String WARM_UP = "{\"access_token\":\"warm-up\",\"token_type\":\"Bearer\",\"expires_in\":1,"
            + "\"scope\":\"pisp\",\"error\":null,\"error_description\":null}";

    private final Jsonb jsonb;
    private final TokenPolicy policy;

    TokenResponseParser(Jsonb jsonb, TokenPolicy policy) {
        this.jsonb = jsonb;
        this.policy = policy;
    }

    /**
     * Reads one constant answer, so that JSON-B loads its reader classes and builds its model of
     * {@link TokenResponseJson} when the manager is built (at deployment), not inside the first caller's request:
     * measured alone in a fresh JVM, that first read took 170 to 250 ms, the next ones 0.3 ms. (Where the
     * application already uses JSON-B, much of it is loaded anyway.) Never fails: a JSON-B that cannot read it says
     * so at the first real answer, as a typed error.
     */
    void warmUp() {
        try {
            jsonb.fromJson(WARM_UP, TokenResponseJson.class);
        } catch (RuntimeException e) {
            // Nothing to do here: the same failure, if any, is reported where it matters.
        }
    }

    /**
     * @param bank the bank that answered
     * @param requested the scope asked for, kept when the bank does not say what it granted
     * @param reply the bank's answer
     * @param sentAt when the request was sent: the lifetime counts from then, never from receipt
     */
    AccessToken parse(Bkcode bank, Scope requested, HttpReply reply, Instant sentAt) {
        String bk = bank.value();
        if (reply.status() != 200) {
            throw rejected(bk, reply, sentAt);
        }
        String contentType = reply.contentType().orElse(null);
        if (contentType != null && !isJson(contentType)) {
            throw new InvalidTokenResponseException(bk, "Content-Type is " + SafeText.of(contentType, 60)
                    + ", expected application/json");
        }
        if (reply.body().isBlank()) {
            throw new InvalidTokenResponseException(bk, "empty body");
        }
        TokenResponseJson json = read(bk, reply.body());

        if (json.accessToken == null || json.accessToken.isEmpty()) {
            throw new InvalidTokenResponseException(bk, "access_token is missing");
        }
        if (!B64TOKEN.matcher(json.accessToken).matches()) {
            // Also what keeps a hostile token from injecting header lines (CR/LF) into later API calls.
            throw new InvalidTokenResponseException(bk, "access_token holds characters a bearer token may not"
                    + " contain (RFC 6750 §2.1)");
        }
        if (json.tokenType == null || json.tokenType.isBlank()) {
            throw new InvalidTokenResponseException(bk, "token_type is missing");
        }
        if (!"bearer".equals(json.tokenType.toLowerCase(Locale.ROOT))) {
            throw new UnsupportedTokenTypeException(bk, SafeText.of(json.tokenType, 20));
        }
        Duration lifetime = lifetime(bk, json.expiresIn);
        Scope granted = granted(bk, json.scope, requested);
        // The usual "Bearer" shares one String rather than one per cached token.
        String type = BEARER.equals(json.tokenType) ? BEARER : json.tokenType;
        return new AccessToken(bank, json.accessToken, type, granted, requested, lifetime,
                sentAt.plus(lifetime));
    }

    private TokenResponseJson read(String bk, String body) {
        try {
            TokenResponseJson json = jsonb.fromJson(body, TokenResponseJson.class);
            if (json == null) {
                throw new InvalidTokenResponseException(bk, "body is not a JSON object");
            }
            return json;
        } catch (JsonbException | ClassCastException | IllegalArgumentException e) {
            // The exception text may quote the body, which may hold a token: it is not passed on.
            throw new InvalidTokenResponseException(bk, "body is not a JSON object with the fields of RFC 6749 §5.1");
        }
    }

    /**
     * {@code expires_in}: a JSON number or a string holding a plain decimal. A fraction is cut (a token is never
     * kept longer than announced); anything at or below zero, or below one second once cut, is refused before
     * any narrowing, so no huge negative can turn into a valid lifetime; a huge value is cut to the maximum.
     */
    private Duration lifetime(String bk, JsonValue expiresIn) {
        BigDecimal seconds;
        if (expiresIn == null || expiresIn.getValueType() == JsonValue.ValueType.NULL) {
            return policy.defaultLifetime();
        } else if (expiresIn instanceof JsonNumber n) {
            seconds = n.bigDecimalValue();
        } else if (expiresIn instanceof JsonString s && DECIMAL.matcher(s.getString()).matches()) {
            seconds = new BigDecimal(s.getString());
        } else {
            throw new InvalidTokenResponseException(bk, "expires_in must be a number of seconds (number or numeric"
                    + " string), got " + SafeText.of(expiresIn.toString(), 20));
        }
        if (seconds.signum() <= 0) {
            throw new InvalidTokenResponseException(bk, "expires_in must be positive, got "
                    + SafeText.of(seconds.toString(), 24));
        }
        // An exponent as large as 1e999999999 must not be expanded: compare before converting.
        if (seconds.compareTo(BigDecimal.valueOf(policy.maxLifetime().getSeconds())) >= 0) {
            return policy.maxLifetime();
        }
        long whole = seconds.setScale(0, RoundingMode.FLOOR).longValueExact();
        if (whole < 1) {
            throw new InvalidTokenResponseException(bk, "expires_in must be at least one second, got "
                    + SafeText.of(seconds.toPlainString(), 24));
        }
        return Duration.ofSeconds(whole);
    }

    private static Scope granted(String bk, String scope, Scope requested) {
        if (scope == null || scope.isBlank()) {
            return requested;
        }
        try {
            Scope granted = Scope.of(scope);
            // The usual answer grants what was asked: the token then shares the slot's scope, not a copy.
            return granted.equals(requested) ? requested : granted;
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenResponseException(bk, "granted scope is invalid: " + e.getMessage());
        }
    }

    private TokenRequestRejectedException rejected(String bk, HttpReply reply, Instant sentAt) {
        int status = reply.status();
        // RFC 9110 §10.2.3: how long a 429 or 503 asks us to wait, in seconds or as a date.
        Duration retryAfter = status == 429 || status == 503
                ? reply.retryAfter().flatMap(v -> RetryAfter.parse(v, sentAt, policy.retryAfterMax())).orElse(null)
                : null;
        String error = null;
        String description = null;
        String body = reply.body().strip();
        if (body.startsWith("{")) {
            try {
                TokenResponseJson json = jsonb.fromJson(body, TokenResponseJson.class);
                if (json != null) {
                    error = json.error == null ? null : SafeText.of(json.error, MAX_ERROR_CODE);
                    description = json.errorDescription == null ? null
                            : SafeText.of(json.errorDescription, MAX_ERROR_DESCRIPTION);
                }
            } catch (RuntimeException e) {
                // Not an RFC 6749 error body: the status alone is reported.
            }
        }
        return new TokenRequestRejectedException(bk, status, error, description, retryAfter);
    }

    private static boolean isJson(String contentType) {
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

}
