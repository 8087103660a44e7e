package io.psd2token.http;

import java.util.Objects;
import java.util.Optional;

/**
 * A bank's HTTP answer, with its body already bounded in size.
 *
 * <p>{@link #toString()} omits the body: a token response body carries the token.
 */
public final class HttpReply {

    private final int status;
    private final String contentType;
    private final String body;

    /**
     * @param status the HTTP status
     * @param contentType the Content-Type header, or {@code null}
     * @param body the body decoded as UTF-8 (empty when there was none)
     */
    public HttpReply(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = Objects.requireNonNull(body, "body");
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }

    /** The Content-Type header, if present. */
    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    /** The body; may hold a token, so never log it. */
    public String body() {
        return body;
    }

    @Override
    public String toString() {
        return "HttpReply[status=" + status + ", contentType=" + contentType + ", body=(" + body.length()
                + " characters, hidden)]";
    }
}
