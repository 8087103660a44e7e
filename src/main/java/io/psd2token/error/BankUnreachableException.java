package io.psd2token.error;

/**
 * No answer came from the bank: the connection was refused, reset or timed out, or the answer was cut off.
 * Retried (with back-off) by the token manager; worth retrying later.
 */
public final class BankUnreachableException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /**
     * @param host the {@code host:port} that was tried
     * @param what what happened and what to check
     * @param cause the I/O error, or {@code null}
     */
    public BankUnreachableException(String host, String what, Throwable cause) {
        super(null, host + ": " + what, cause);
    }

    private BankUnreachableException(BankUnreachableException original) {
        super(original);
    }

    @Override
    public BankUnreachableException replay() {
        return new BankUnreachableException(this);
    }
}
