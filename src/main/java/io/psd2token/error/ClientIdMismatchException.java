package io.psd2token.error;

/**
 * The configured {@code psd2.client-id} differs from the organizationIdentifier of the QWAC the server presents,
 * and the difference was not declared legitimate with {@code psd2.client-id-linked=true}. Banks answer such a
 * token request with {@code invalid_client}, so the library stops before sending it.
 */
public final class ClientIdMismatchException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    /** The configured client_id; serialized with the error. */
    private final String configuredClientId;
    /** The QWAC's organizationIdentifier; serialized with the error. */
    private final String organizationIdentifier;

    public ClientIdMismatchException(String configuredClientId, String organizationIdentifier, String message) {
        super(null, message, null);
        this.configuredClientId = configuredClientId;
        this.organizationIdentifier = organizationIdentifier;
    }

    /**
     * The value of {@code psd2.client-id}.
     *
     * @return the client_id as configured, the one that would have been refused
     */
    public String configuredClientId() {
        return configuredClientId;
    }

    /**
     * The organizationIdentifier of the presented QWAC.
     *
     * @return the identifier the banks expect as client_id, e.g. {@code PSDFR-ACPR-12345}
     */
    public String organizationIdentifier() {
        return organizationIdentifier;
    }

    private ClientIdMismatchException(ClientIdMismatchException original) {
        super(original);
        this.configuredClientId = original.configuredClientId;
        this.organizationIdentifier = original.organizationIdentifier;
    }

    @Override
    public ClientIdMismatchException replay() {
        return new ClientIdMismatchException(this);
    }
}
