package io.psd2token.client;

import io.psd2token.BankTokens;
import io.psd2token.error.BankRateLimitedException;
import io.psd2token.error.TokenRejectedException;
import io.psd2token.token.AccessToken;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Wraps an MP Rest Client of one bank, so that each call:
 * <ul>
 * <li>carries the bank's token; a call the bank rejects with 403 "Invalid token" is sent once more with a new
 * token (the rejected one is evicted only if no other thread has replaced it yet); a second rejection is a
 * {@link TokenRejectedException};</li>
 * <li>respects the bank's rate limit: a 403 {@code TMRQ} or 429 keeps the token, is not re-sent, pauses the bank's
 * API ({@link ApiPauses}) and is a {@link BankRateLimitedException}; while the pause runs, calls fail at once
 * without being sent.</li>
 * </ul>
 * Every other answer (success, or STET errors such as {@code NAAC}, {@code NIMP}) reaches the caller untouched.
 *
 * <p>The token a call carries is handed to {@link BearerTokenFilter} through a thread-local, so the retry knows
 * exactly which token was rejected; {@link BankAnswerFilter} reports the answer the same way. Methods returning
 * {@code CompletionStage} run their filters on another thread: they carry the current token and are held back
 * during a pause, but their answers are not inspected.
 */
final class BankApiCall implements InvocationHandler {

    /** The token the current thread's call must carry; set around each call. */
    static final ThreadLocal<AccessToken> CURRENT = new ThreadLocal<>();

    private final BankTokens tokens;
    private final String bkcode;
    private final ApiPauses pauses;
    private final Supplier<BankApiClients.Lease> delegate;

    BankApiCall(BankTokens tokens, String bkcode, ApiPauses pauses, Supplier<BankApiClients.Lease> delegate) {
        this.tokens = tokens;
        this.bkcode = bkcode;
        this.pauses = pauses;
        this.delegate = delegate;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "toString" -> "BankApiClient[bank=" + bkcode + ", " + proxy.getClass().getInterfaces()[0].getName()
                        + "]";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
        }
        Optional<Duration> paused = pauses.remaining(bkcode);
        if (paused.isPresent()) {
            tokens.apiRateLimited(bkcode, true);
            throw new BankRateLimitedException(bkcode, paused.get(), null, null);
        }
        AccessToken token = tokens.token(bkcode);
        Outcome first = call(method, args, token);
        if (first.kind() == ApiAnswer.Kind.INVALID_TOKEN) {
            tokens.invalidate(token);
            Outcome second = call(method, args, tokens.token(bkcode));
            if (second.kind() == ApiAnswer.Kind.INVALID_TOKEN) {
                throw new TokenRejectedException(bkcode, second.answer().requestId(), second.answer().correlationId());
            }
            return rateLimitChecked(second);
        }
        return rateLimitChecked(first);
    }

    private Object rateLimitChecked(Outcome outcome) throws Throwable {
        if (outcome.kind() != ApiAnswer.Kind.RATE_LIMITED) {
            return outcome.get();
        }
        ApiAnswer answer = outcome.answer();
        Duration pause = pauses.pause(bkcode, answer.retryAfter());
        tokens.apiRateLimited(bkcode, false);
        throw new BankRateLimitedException(bkcode, pause, answer.requestId(), answer.correlationId());
    }

    private Outcome call(Method method, Object[] args, AccessToken token) throws Throwable {
        AccessToken previous = CURRENT.get();
        CURRENT.set(token);
        BankAnswerFilter.LAST.remove();
        BankApiClients.Lease lease = delegate.get();
        boolean async = false;
        try {
            Object result = method.invoke(lease.client(), args);
            if (result instanceof CompletionStage<?> stage) {
                // The call goes on after this returns: the client is given back when it ends.
                async = true;
                stage.whenComplete((r, e) -> lease.release().run());
            }
            return new Outcome(result, null, answer());
        } catch (InvocationTargetException e) {
            return new Outcome(null, e.getCause(), answer());
        } finally {
            if (!async) {
                lease.release().run();
            }
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    private static ApiAnswer answer() {
        ApiAnswer answer = BankAnswerFilter.LAST.get();
        BankAnswerFilter.LAST.remove();
        return answer;
    }

    /** What one call gave: a result or an error, and the answer the filter read (none for an async call). */
    private record Outcome(Object result, Throwable error, ApiAnswer answer) {
        ApiAnswer.Kind kind() {
            return answer == null ? ApiAnswer.Kind.PASSED : answer.kind();
        }

        Object get() throws Throwable {
            if (error != null) {
                throw error;
            }
            return result;
        }
    }
}
