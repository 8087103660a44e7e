package io.psd2token.demo;

import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The STET PSD2 payment-request endpoint of one bank, as an MP Rest Client (paths relative to {@code .../v1}). */
@Path("/payment-requests")
public interface PaymentRequestsApi {

    /** STET "POST /payment-requests": initiates a payment; the bank answers 201 with the resource id. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Response create(JsonObject paymentRequest);
}
