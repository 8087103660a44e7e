package io.psd2token;

import jakarta.ejb.ApplicationException;
import java.util.Optional;

/**
 * Base of every error the library throws: each subtype names one cause and says what to check.
 *
 * <p>Messages never contain a token, a key or an unbounded bank response body, so they are safe to log.
 * Marked as an EJB application exception so that it reaches an EJB's caller as itself, not wrapped in an
 * {@code EJBException}, and does not roll back the caller's transaction: a bank refusing a token says
 * nothing about the caller's data.
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
     * The bank code this error concerns, if it concerns one bank.
     *
     * @return the bank code as the caller gave it, or empty when the error is not about one bank (the client
     *         certificate, the configuration, a host that cannot be reached)
     */
    public Optional<String> bkcode() {
        return Optional.ofNullable(bkcode);
    }
}
