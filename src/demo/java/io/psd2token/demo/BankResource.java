package io.psd2token.demo;

import io.psd2token.BankTokens;
import io.psd2token.web.BankDirectoryResource;
import jakarta.enterprise.context.RequestScoped;
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

/**
 * The demo's PSU-facing API: find banks, see a bank's token status, initiate a payment at a bank.
 *
 * <p>{@code GET /banks} and {@code GET /banks/{bkcode}} come from the library's {@link BankDirectoryResource}:
 * extending it is how an application publishes the bank directory, at the path it chooses, next to its own
 * sub-resources of a bank.
 */
@Path("/banks")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped // a bean-defining annotation: a web module with no other CDI bean still injects into it
public class BankResource extends BankDirectoryResource {

    @Inject
    BankTokens tokens;

    @Inject
    PaymentInitiation payments;

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
        JsonObject request = body == null || body.isBlank() ? SamplePaymentRequest.create() : parse(body);
        PaymentInitiation.BankAnswer answer = payments.initiate(bkcode, request);
        return Response.status(answer.status() == 201 ? 201 : 502).entity(answer).build();
    }

    private static JsonObject parse(String body) {
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            return reader.readObject();
        }
    }
}
