package io.psd2token.internal.http;

import java.util.Objects;
import java.util.Optional;

/**
 * A bank's HTTP answer, with its body already bounded in size.
 *
 * <p>{@link #toString()} omits the body: a token response body carries the token.
 */
public final class HttpReply {

    /** Longer Retry-After values are not a delay nor a date: they are dropped rather than kept. */
    private static final int MAX_RETRY_AFTER_LENGTH = 64;

    private final int status;
    private final String contentType;
    private final String body;
    private final String retryAfter;

    /**
     * @param status the HTTP status
     * @param contentType the Content-Type header, or {@code null}
     * @param body the body decoded as UTF-8 (empty when there was none)
     */
    public HttpReply(int status, String contentType, String body) {
        this(status, contentType, body, null);
    }

    /**
     * @param status the HTTP status
     * @param contentType the Content-Type header, or {@code null}
     * @param body the body decoded as UTF-8 (empty when there was none)
     * @param retryAfter the Retry-After header (RFC 9110 §10.2.3), or {@code null}; read it with {@link RetryAfter}
     */
    public HttpReply(int status, String contentType, String body, String retryAfter) {
        this.status = status;
        this.contentType = contentType;
        this.body = Objects.requireNonNull(body, "body");
        this.retryAfter = retryAfter == null || retryAfter.length() > MAX_RETRY_AFTER_LENGTH ? null : retryAfter;
    }

    /**
     * The HTTP status code.
     *
     * @return the status as received, e.g. 200, or 400 with an OAuth error body (RFC 6749 §5.2)
     */
    public int status() {
        return status;
    }

    /**
     * The Content-Type header, if present.
     *
     * @return the header value as received, parameters included, or empty when the bank sent none
     */
    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    /**
     * The body; may hold a token, so never log it.
     *
     * @return the body decoded as UTF-8, within the size bound; empty when there was none
     */
    public String body() {
        return body;
    }

    /**
     * The raw Retry-After header a 429 or 503 answer may carry, if present; see {@link RetryAfter#parse}.
     *
     * @return the header value, or empty when absent or longer than any delay or date can be
     */
    public Optional<String> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public String toString() {
        return "HttpReply[status=" + status + ", contentType=" + contentType
                + (retryAfter == null ? "" : ", retryAfter=" + retryAfter) + ", body=(" + body.length()
                + " characters, hidden)]";
    }
}
