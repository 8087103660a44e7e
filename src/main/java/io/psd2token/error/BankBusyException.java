package io.psd2token.error;

/**
 * The bank is slow (its token request has been in flight longer than {@code psd2.slow-bank-threshold}) and
 * {@code psd2.max-waiting-callers} callers already wait for it: this caller fails at once instead of holding
 * one more thread. A healthy bank never causes it, however many callers arrive together.
 */
public final class BankBusyException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /**
     * @param bkcode the slow bank
     * @param waiting how many callers were already waiting
     * @param inFlightMillis how long the bank's token request had been in flight
     */
    public BankBusyException(String bkcode, int waiting, long inFlightMillis) {
        super(bkcode, waiting + " callers are already waiting for this bank's token, whose request has been in"
                + " flight for " + inFlightMillis + " ms; the bank is slow. Try again shortly, or raise"
                + " psd2.max-waiting-callers if the server has threads to spare.", null);
    }

    private BankBusyException(BankBusyException original) {
        super(original);
    }

    @Override
    public BankBusyException replay() {
        return new BankBusyException(this);
    }
}
