package io.psd2token.internal.http;

import io.psd2token.error.ResponseTooLargeException;
import java.net.http.HttpResponse;

/**
 * Reads the body into memory up to {@link JdkBankHttp#MAX_BODY_BYTES}, refusing a larger announced Content-Length
 * before reading, and remembers whether the headers arrived (then TLS worked) for the error message.
 */
final class BoundedBody implements HttpResponse.BodyHandler<byte[]> {

    private final String host;
    // Written by the client's thread, read by the caller's on failure.
    private volatile BodyCollector collector;
    private volatile boolean aborted;

    BoundedBody(String host) {
        this.host = host;
    }

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
        long announced = contentLength(info);
        BodyCollector c = new BodyCollector(host, announced > JdkBankHttp.MAX_BODY_BYTES
                ? new ResponseTooLargeException(host, JdkBankHttp.MAX_BODY_BYTES, announced) : null);
        collector = c;
        if (aborted) {
            c.abort();
        }
        return c;
    }

    boolean headersArrived() {
        return collector != null;
    }

    long received() {
        BodyCollector c = collector;
        return c == null ? 0 : c.received;
    }

    void abort() {
        aborted = true;
        BodyCollector c = collector;
        if (c != null) {
            c.abort();
        }
    }

    private static long contentLength(HttpResponse.ResponseInfo info) {
        try {
            return info.headers().firstValueAsLong("Content-Length").orElse(-1);
        } catch (NumberFormatException e) {
            // Malformed: the client's own parser decides what to do with it; the byte bound still holds.
            return -1;
        }
    }
}
