package io.psd2token.error;

import java.util.List;

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

    /**
     * One error listing every problem found, so an operator fixes them all in one round.
     *
     * @param problems one line per problem, each naming its key; at least one
     * @return the error to throw: the single problem as it is, or a numbered list of them all
     */
    public static ConfigurationException report(List<String> problems) {
        if (problems.size() == 1) {
            return new ConfigurationException(problems.get(0));
        }
        StringBuilder m = new StringBuilder("psd2-token configuration has ").append(problems.size())
                .append(" problems:");
        for (int i = 0; i < problems.size(); i++) {
            m.append("\n  ").append(i + 1).append(". ").append(problems.get(i));
        }
        return new ConfigurationException(m.toString());
    }

    private ConfigurationException(ConfigurationException original) {
        super(original);
    }

    @Override
    public ConfigurationException replay() {
        return new ConfigurationException(this);
    }
}
