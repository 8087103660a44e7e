package io.psd2token.demo;

import io.psd2token.BankTokens;
import io.psd2token.client.BankApiClients;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/** The demo's payment service, an EJB: it calls the bank's PSD2 API with that bank's bearer token. */
@Stateless
public class PaymentInitiation {

    @Inject
    BankTokens tokens;

    @Inject
    BankApiClients clients;

    /** The token this EJB would use for the bank, described without revealing it. */
    public TokenStatus tokenStatus(String bkcode) {
        return TokenStatus.of(tokens.token(bkcode));
    }

    /**
     * Sends a payment request to the bank through its MP Rest Client.
     *
     * @return the bank's status and JSON answer
     */
    public BankAnswer initiate(String bkcode, JsonObject paymentRequest) {
        try (Response response = clients.client(bkcode, PaymentRequestsApi.class).create(paymentRequest)) {
            return answer(bkcode, response);
        } catch (WebApplicationException e) {
            // MP Rest Client turns a 4xx/5xx answer into an exception; the demo shows it as the bank's answer.
            return answer(bkcode, e.getResponse());
        }
    }

    private static BankAnswer answer(String bkcode, Response response) {
        String body = response.hasEntity() ? response.readEntity(String.class) : "";
        return new BankAnswer(bkcode, response.getStatus(), response.getHeaderString("Location"), body);
    }

    /**
     * The bank's answer to a payment request.
     *
     * @param bank the bank code
     * @param status the HTTP status the bank answered
     * @param location the Location header, if any
     * @param body the bank's JSON body
     */
    public record BankAnswer(String bank, int status, String location, String body) {
    }
}
