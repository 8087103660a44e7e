package io.psd2token.identity;

import java.util.Objects;
import java.util.Optional;

/**
 * Decides the OAuth2 {@code client_id} from the QWAC and the configuration. BPCE banks (and PSD2 banks generally)
 * expect the organizationIdentifier of the QWAC presented in the same TLS connection; a configured value that
 * differs is refused with {@code invalid_client}, unless the bank registered the TPP under another identifier and
 * the operator says so with {@value #LINKED_KEY}{@code =true}.
 */
public final class ClientIds {

    /** The configuration key of the client id. */
    public static final String CLIENT_ID_KEY = "psd2.client-id";

    /** The configuration key proposed to allow a client id other than the QWAC's organizationIdentifier. */
    public static final String LINKED_KEY = "psd2.client-id-linked";

    private ClientIds() {
    }

    /**
     * The client_id to send.
     *
     * @param identity the identity of the QWAC the server presents
     * @param configured the value of {@value #CLIENT_ID_KEY}, if set; blank counts as not set
     * @param linked the value of {@value #LINKED_KEY}: true allows a configured value that differs from the QWAC
     * @return the configured value if set (and equal, or linked), otherwise the QWAC's organizationIdentifier
     * @throws ClientIdMismatchException when a configured value differs and {@code linked} is false
     */
    public static String resolve(TppIdentity identity, Optional<String> configured, boolean linked) {
        Objects.requireNonNull(identity, "identity");
        String fromCertificate = identity.organizationIdentifier().value();
        Optional<String> set = configured.map(String::strip).filter(v -> !v.isEmpty());
        if (set.isEmpty() || set.get().equals(fromCertificate) || linked) {
            return set.orElse(fromCertificate);
        }
        String value = set.get();
        String hint = value.equalsIgnoreCase(fromCertificate)
                ? " (they differ only in letter case, and banks compare exactly)" : "";
        throw new ClientIdMismatchException(value, fromCertificate, CLIENT_ID_KEY + " is \""
                + TppIdentity.printable(value) + "\" but the QWAC the server presents (serial "
                + identity.serialNumber() + ") has the organizationIdentifier \""
                + TppIdentity.printable(fromCertificate) + "\"" + hint + "; banks refuse a client_id that differs"
                + " from the certificate with invalid_client. Remove " + CLIENT_ID_KEY + " to use the"
                + " certificate's value, or correct it; only if the bank registered you under this other identifier,"
                + " set " + LINKED_KEY + "=true. If the value is right, the Elytron match rule selects the wrong"
                + " QWAC for this bank");
    }
}
