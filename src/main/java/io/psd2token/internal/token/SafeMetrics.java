package io.psd2token.internal.token;

import io.psd2token.token.TokenMetrics;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The application's (or the built-in) metrics binding, called so that it can never break a token request: a
 * binding that throws is logged once and otherwise ignored.
 */
final class SafeMetrics {

    private static final Logger LOG = Logger.getLogger(SafeMetrics.class.getName());

    private final TokenMetrics delegate;
    private final AtomicBoolean reported = new AtomicBoolean();

    SafeMetrics(TokenMetrics delegate) {
        this.delegate = delegate;
    }

    boolean countsHits() {
        try {
            return delegate.countsHits();
        } catch (RuntimeException e) {
            failed(e);
            return false;
        }
    }

    void slotCreated(String bank, String scope, TokenMetrics.SlotCounters counters) {
        try {
            delegate.slotCreated(bank, scope, counters);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    void slotRemoved(String bank, String scope) {
        try {
            delegate.slotRemoved(bank, scope);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    void apiRateLimited(String bank, boolean heldBack) {
        try {
            delegate.apiRateLimited(bank, heldBack);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    void requestCompleted(String bank, String outcome, long nanos, boolean background) {
        try {
            delegate.requestCompleted(bank, outcome, nanos, background);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        if (reported.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "the TokenMetrics binding " + delegate.getClass().getName() + " threw "
                    + e.getClass().getName() + "; its calls are ignored (reported once)", e);
        }
    }
}
