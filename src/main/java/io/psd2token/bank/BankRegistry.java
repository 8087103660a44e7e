package io.psd2token.bank;

/** Tells where a bank is reached; implemented by the configuration. */
@FunctionalInterface
public interface BankRegistry {

    /**
     * @param bank a well-formed bank code
     * @return the bank's endpoints
     * @throws UnknownBankException when the bank is not known or is disabled
     * @throws io.psd2token.ConfigurationException when the bank's configuration is invalid
     */
    BankEndpoints endpoints(Bkcode bank);
}
