package io.psd2token.error;

import jakarta.ejb.ApplicationException;
import java.util.Optional;

/**
 * Base of every error the library throws: each subtype names one cause and says what to check.
 *
 * <p>Messages never contain a token, a key or an unbounded bank response body, so they are safe to log.
 * Marked as an EJB application exception so that it reaches an EJB's caller as itself, not wrapped in an
 * {@code EJBException}, and does not roll back the caller's transaction: a bank refusing a token says
 * nothing about the caller's data. (The annotation is only metadata: this package needs no EJB container.)
 *
 * <p>When many callers share one outcome (they waited on the same token request, or a failure is replayed
 * during its back-off), each caller gets its own copy ({@link #replay()}) with the shared error as its cause,
 * so stack traces are the caller's own and nothing accumulates on a shared instance.
 */
@ApplicationException(inherited = true, rollback = false)
public abstract class BankTokenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The bank concerned, or {@code null} when the error is not about one bank; serialized with the error. */
    private final String bkcode;

    /**
     * @param bkcode the bank concerned, or {@code null} when the error is not about one bank
     * @param message what happened and what to check
     * @param cause the underlying error, or {@code null}
     */
    protected BankTokenException(String bkcode, String message, Throwable cause) {
        super(bkcode == null ? message : "bank " + bkcode + ": " + message, cause);
        this.bkcode = bkcode;
    }

    /**
     * A copy of {@code original} for another caller: same bank and message, {@code original} as its cause.
     *
     * @param original the error many callers share
     */
    protected BankTokenException(BankTokenException original) {
        super(original.getMessage(), original);
        this.bkcode = original.bkcode;
    }

    /**
     * The bank code this error concerns, if it concerns one bank.
     *
     * @return the bank code as the caller gave it, or empty when the error is not about one bank (the client
     *         certificate, the configuration, a host that cannot be reached)
     */
    public Optional<String> bkcode() {
        return Optional.ofNullable(bkcode);
    }

    /**
     * A fresh error of the same type, message and details for one more caller who gets this same outcome, with
     * this error as its cause and the caller's own stack trace.
     *
     * @return a new instance; this one is unchanged
     */
    public abstract BankTokenException replay();
}
