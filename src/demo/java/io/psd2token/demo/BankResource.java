package io.psd2token.demo;

import io.psd2token.BankTokens;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.StringReader;
import java.util.List;

/**
 * The demo's PSU-facing API: list banks, see a bank's token status, initiate a payment at a bank.
 */
@Path("/banks")
@Produces(MediaType.APPLICATION_JSON)
public class BankResource {

    /** The banks the demo offers (the full directory is a later feature of the library). */
    static final List<Bank> BANKS = List.of(
            new Bank("13807", "B.P Grand Ouest", "BPGO", "Banque Populaire"),
            new Bank("17515", "Caisse d'Epargne Ile-de-France", "CEIDF", "Caisse d'Epargne"));

    @Inject
    BankTokens tokens;

    @Inject
    PaymentInitiation payments;

    /** The banks a PSU can pick. */
    @GET
    public List<Bank> banks() {
        return BANKS;
    }

    /**
     * The token the application holds for the bank (never the token itself).
     *
     * @param via {@code resource} (this JAX-RS resource's own injection) or {@code ejb} (the EJB's)
     */
    @GET
    @Path("/{bkcode}/token")
    public TokenStatus token(@PathParam("bkcode") String bkcode, @QueryParam("scope") String scope,
            @QueryParam("via") @DefaultValue("resource") String via) {
        if ("ejb".equals(via)) {
            return payments.tokenStatus(bkcode);
        }
        return TokenStatus.of(scope == null ? tokens.token(bkcode) : tokens.token(bkcode, scope));
    }

    /** Forgets the bank's cached tokens, so the next call fetches a new one. */
    @DELETE
    @Path("/{bkcode}/token")
    public Response forgetToken(@PathParam("bkcode") String bkcode) {
        tokens.invalidate(bkcode);
        return Response.noContent().build();
    }

    /** Initiates a payment at the bank; with no body, a sample 12.34 EUR payment request is sent. */
    @POST
    @Path("/{bkcode}/payment-requests")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    public Response initiate(@PathParam("bkcode") String bkcode, String body) {
        JsonObject request = body == null || body.isBlank() ? PaymentInitiation.samplePaymentRequest() : parse(body);
        PaymentInitiation.BankAnswer answer = payments.initiate(bkcode, request);
        return Response.status(answer.status() == 201 ? 201 : 502).entity(answer).build();
    }

    private static JsonObject parse(String body) {
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            return reader.readObject();
        }
    }

    /**
     * A bank a PSU can pick.
     *
     * @param bkcode the five-digit bank code
     * @param name the bank's name
     * @param shortName its short name
     * @param network Banque Populaire, Caisse d'Epargne or other
     */
    public record Bank(String bkcode, String name, String shortName, String network) {
    }
}
