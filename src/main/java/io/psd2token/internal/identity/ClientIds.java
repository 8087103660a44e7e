package io.psd2token.internal.identity;

import io.psd2token.error.ClientIdMismatchException;
import io.psd2token.error.SafeText;
import io.psd2token.identity.TppIdentity;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides the OAuth2 {@code client_id} from the QWAC and the configuration. BPCE banks (and PSD2 banks generally)
 * expect the organizationIdentifier of the QWAC presented in the same TLS connection; a configured value that
 * differs is refused with {@code invalid_client}, unless the bank registered the TPP under another identifier and
 * the operator says so with {@code psd2.client-id-linked}{@code =true}.
 */
public final class ClientIds {

    private static final String CLIENT_ID_KEY = "psd2.client-id";
    private static final String LINKED_KEY = "psd2.client-id-linked";

    private ClientIds() {
    }

    /**
     * The client_id to send.
     *
     * @param identity the identity of the QWAC the server presents
     * @param configured the value of {@code psd2.client-id}, if set; blank counts as not set
     * @param linked the value of {@code psd2.client-id-linked}: true allows a configured value that differs from the QWAC
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
                + SafeText.of(value, 64) + "\" but the QWAC the server presents (serial "
                + identity.serialNumber() + ") has the organizationIdentifier \""
                + SafeText.of(fromCertificate, 64) + "\"" + hint + "; banks refuse a client_id that differs"
                + " from the certificate with invalid_client. Remove " + CLIENT_ID_KEY + " to use the"
                + " certificate's value, or correct it; only if the bank registered you under this other identifier,"
                + " set " + LINKED_KEY + "=true. If the value is right, the Elytron match rule selects the wrong"
                + " QWAC for this bank");
    }
}
