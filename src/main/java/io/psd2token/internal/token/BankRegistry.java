package io.psd2token.internal.token;

import io.psd2token.bank.BankEndpoints;
import io.psd2token.bank.Bkcode;

/**
 * Tells where a bank is reached; implemented by the configuration behind the bank directory's guard, so an
 * unknown or disabled bank never gets a URL.
 */
@FunctionalInterface
public interface BankRegistry {

    /**
     * @param bank a well-formed bank code
     * @return the bank's endpoints
     * @throws io.psd2token.error.UnknownBankException when the bank is not known or is disabled
     * @throws io.psd2token.error.ConfigurationException when the bank's configuration is invalid
     */
    BankEndpoints endpoints(Bkcode bank);
}
