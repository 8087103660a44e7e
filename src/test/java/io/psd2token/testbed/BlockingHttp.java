package io.psd2token.testbed;

import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.internal.http.JdkBankHttp;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/** The asynchronous HTTP seam used the way a test reads best: one call, its answer or its typed error. */
public final class BlockingHttp {

    /** Runs the TLS diagnoses of the tests' {@link JdkBankHttp} clients. */
    public static final ExecutorService DIAGNOSIS = Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "test-diagnosis");
        t.setDaemon(true);
        return t;
    });

    private BlockingHttp() {
    }

    /** A JDK client presenting {@code sslContext} everywhere, with the production diagnosis bound (2 s). */
    public static JdkBankHttp jdk(SSLContext sslContext, Duration connectTimeout, Duration requestTimeout) {
        return new JdkBankHttp(uri -> sslContext, connectTimeout, requestTimeout, Duration.ofSeconds(2), DIAGNOSIS);
    }

    /** Posts and waits (at most a minute) for the answer; the typed error as it is when it fails. */
    public static HttpReply post(BankHttp http, URI uri, String form) {
        try {
            return http.postForm(uri, form).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within a minute: the exchange is not bounded");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
