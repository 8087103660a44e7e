package io.psd2token;

/** A configuration value is missing or invalid; the message names the key and what a valid value looks like. */
public final class ConfigurationException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** @param message names the key and says what to fix */
    public ConfigurationException(String message) {
        super(null, message, null);
    }

    /**
     * @param bkcode the bank whose configuration is wrong
     * @param message names the key and says what to fix
     */
    public ConfigurationException(String bkcode, String message) {
        super(bkcode, message, null);
    }
}
