package io.psd2token.internal.http;

import io.psd2token.error.ResponseTooLargeException;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** Collects one body; Flow guarantees its onNext calls never overlap. */
final class BodyCollector implements HttpResponse.BodySubscriber<byte[]> {

    private final String host;
    private final ResponseTooLargeException refused;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private volatile Flow.Subscription subscription;
    private volatile boolean aborted;
    volatile long received;

    BodyCollector(String host, ResponseTooLargeException refused) {
        this.host = host;
        this.refused = refused;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (refused != null) {
            s.cancel();
            result.completeExceptionally(refused);
        } else if (aborted) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer buffer : buffers) {
            int n = buffer.remaining();
            if (bytes.size() + (long) n > JdkBankHttp.MAX_BODY_BYTES) {
                subscription.cancel();
                result.completeExceptionally(new ResponseTooLargeException(host, JdkBankHttp.MAX_BODY_BYTES));
                return;
            }
            byte[] chunk = new byte[n];
            buffer.get(chunk);
            bytes.write(chunk, 0, n);
            received += n;
        }
    }

    @Override
    public void onError(Throwable throwable) {
        result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    void abort() {
        aborted = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
