package io.psd2token.bank;

import java.net.URI;
import java.util.Objects;

/**
 * Where one bank is reached: its OAuth token endpoint, the base of its STET PSD2 API, and the scope asked
 * for when the caller names none.
 *
 * @param bank the bank
 * @param tokenEndpoint the token endpoint, e.g. {@code https://www.13807.live.api.89c3.com/stet/psd2/oauth/token}
 * @param apiBase the API base, e.g. {@code https://www.13807.live.api.89c3.com/stet/psd2/v1}
 * @param defaultScope the scope used by {@code token(bkcode)}
 * @param requestStyle where the token request's parameters go
 */
public record BankEndpoints(Bkcode bank, URI tokenEndpoint, URI apiBase, Scope defaultScope,
        RequestStyle requestStyle) {

    /**
     * Checks that nothing is missing.
     *
     * @param bank the bank
     * @param tokenEndpoint the token endpoint
     * @param apiBase the API base
     * @param defaultScope the scope used by {@code token(bkcode)}
     * @param requestStyle where the token request's parameters go
     * @throws NullPointerException naming the component that is missing
     */
    public BankEndpoints {
        Objects.requireNonNull(bank, "bank");
        Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        Objects.requireNonNull(apiBase, "apiBase");
        Objects.requireNonNull(defaultScope, "defaultScope");
        Objects.requireNonNull(requestStyle, "requestStyle");
    }

    /**
     * Endpoints with the standard form-body token request.
     *
     * @param bank the bank
     * @param tokenEndpoint the token endpoint
     * @param apiBase the API base
     * @param defaultScope the scope used by {@code token(bkcode)}
     */
    public BankEndpoints(Bkcode bank, URI tokenEndpoint, URI apiBase, Scope defaultScope) {
        this(bank, tokenEndpoint, apiBase, defaultScope, RequestStyle.FORM);
    }
}
