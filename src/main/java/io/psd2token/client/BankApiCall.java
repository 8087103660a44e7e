package io.psd2token.client;

import io.psd2token.BankTokens;
import io.psd2token.token.AccessToken;
import io.psd2token.error.TokenRejectedException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Wraps an MP Rest Client of one bank: each call carries the bank's token, and a call the bank rejects
 * with 403 "Invalid token" is sent once more with a new token (the rejected one is evicted only if no other
 * thread has replaced it yet). A second rejection is a {@link TokenRejectedException}.
 *
 * <p>The token a call carries is handed to {@link BearerTokenFilter} through a thread-local, so the retry
 * knows exactly which token was rejected; {@link InvalidTokenDetector} reports the rejection the same way. Methods returning {@code CompletionStage} run their filters on
 * another thread: they carry the current token but are not retried.
 */
final class InvalidTokenRetry implements InvocationHandler {

    /** The token the current thread's call must carry; set around each call. */
    static final ThreadLocal<AccessToken> CURRENT = new ThreadLocal<>();

    private final BankTokens tokens;
    private final String bkcode;
    private final Supplier<BankApiClients.Lease> delegate;

    InvalidTokenRetry(BankTokens tokens, String bkcode, Supplier<BankApiClients.Lease> delegate) {
        this.tokens = tokens;
        this.bkcode = bkcode;
        this.delegate = delegate;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "toString" -> "BankApiClient[bank=" + bkcode + ", " + method.getDeclaringClass().getName() + "]";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
        }
        AccessToken token = tokens.token(bkcode);
        Outcome first = call(method, args, token);
        if (!first.invalidToken()) {
            return first.get();
        }
        tokens.invalidate(token);
        Outcome second = call(method, args, tokens.token(bkcode));
        if (second.invalidToken()) {
            throw new TokenRejectedException(bkcode);
        }
        return second.get();
    }

    private Outcome call(Method method, Object[] args, AccessToken token) throws Throwable {
        AccessToken previous = CURRENT.get();
        CURRENT.set(token);
        InvalidTokenDetector.REJECTED.remove();
        BankApiClients.Lease lease = delegate.get();
        boolean async = false;
        try {
            Object result = method.invoke(lease.client(), args);
            if (result instanceof CompletionStage<?> stage) {
                // The call goes on after this returns: the client is given back when it ends.
                async = true;
                stage.whenComplete((r, e) -> lease.release().run());
            }
            return new Outcome(result, null, rejected());
        } catch (InvocationTargetException e) {
            return new Outcome(null, e.getCause(), rejected());
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

    private static boolean rejected() {
        boolean rejected = InvalidTokenDetector.REJECTED.get() != null;
        InvalidTokenDetector.REJECTED.remove();
        return rejected;
    }

    /** What one call gave: a result or an error, and whether it was the bank's "Invalid token". */
    private record Outcome(Object result, Throwable error, boolean invalidToken) {
        Object get() throws Throwable {
            if (error != null) {
                throw error;
            }
            return result;
        }
    }
}
