package io.psd2token.internal.token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Scope;
import io.psd2token.internal.http.BankHttp;
import io.psd2token.internal.http.HttpReply;
import io.psd2token.testbed.TestClock;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A token endpoint played from code: answers at once (a completed future) unless told otherwise, numbers its
 * tokens {@code tok-1}, {@code tok-2}, ..., and counts requests. For the deterministic core tests.
 */
final class FakeBank implements BankHttp {

    final AtomicInteger requests = new AtomicInteger();
    volatile String expiresIn = "3600";
    volatile String grantedScope;
    volatile Duration latency = Duration.ZERO;
    volatile Supplier<HttpReply> answer;
    /** When set, requests get this future instead of an answer: the test completes it (or never does). */
    volatile Supplier<CompletableFuture<HttpReply>> pending;
    volatile String lastBody;
    volatile URI lastUri;
    private final TestClock clock;

    FakeBank(TestClock clock) {
        this.clock = clock;
    }

    @Override
    public CompletableFuture<HttpReply> postForm(URI uri, String formBody) {
        int n = requests.incrementAndGet();
        lastBody = formBody;
        lastUri = uri;
        if (pending != null) {
            return pending.get();
        }
        if (!latency.isZero()) {
            clock.advance(latency);
        }
        if (answer != null) {
            return CompletableFuture.completedFuture(answer.get());
        }
        return CompletableFuture.completedFuture(ok("tok-" + n, expiresIn, grantedScope));
    }

    static HttpReply ok(String token, String expiresIn, String scope) {
        String expires = expiresIn == null ? "" : ",\"expires_in\":\"" + expiresIn + "\"";
        String granted = scope == null ? "" : ",\"scope\":\"" + scope + "\"";
        return new HttpReply(200, "application/json",
                "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\"" + expires + granted + "}");
    }

    /** A bank's 503 answer: a failure that is retried, not a client error. */
    static HttpReply unavailable() {
        return new HttpReply(503, "application/json", "{\"error\":\"temporarily_unavailable\"}");
    }

    static HttpReply invalidClient() {
        return new HttpReply(401, "application/json", "{\"error\":\"invalid_client\"}");
    }

    static BankEndpoints endpoints(Bkcode b) {
        return new BankEndpoints(b, URI.create("https://bank.test/" + b + "/token"),
                URI.create("https://bank.test/" + b + "/v1"), Scope.PISP);
    }
}
