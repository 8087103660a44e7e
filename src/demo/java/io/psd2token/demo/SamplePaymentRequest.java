package io.psd2token.demo;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.time.OffsetDateTime;

/**
 * The payment request the demo sends when the caller gives none; kept out of the EJB, which must not have
 * static methods.
 */
public final class SamplePaymentRequest {

    private SamplePaymentRequest() {
    }

    /** A small STET payment request for the demo: 12.34 EUR to a fictitious merchant. */
    public static JsonObject create() {
        return Json.createObjectBuilder()
                .add("paymentInformationId", "demo-" + System.nanoTime())
                .add("creationDateTime", OffsetDateTime.now().toString())
                .add("numberOfTransactions", 1)
                .add("initiatingParty", Json.createObjectBuilder().add("name", "Example TPP"))
                .add("paymentTypeInformation", Json.createObjectBuilder().add("serviceLevel", "SEPA"))
                .add("creditor", Json.createObjectBuilder().add("name", "Demo Merchant"))
                .add("creditorAccount", Json.createObjectBuilder().add("iban", "FR7612345987650123456789014"))
                .add("creditTransferTransaction", Json.createArrayBuilder().add(Json.createObjectBuilder()
                        .add("paymentId", Json.createObjectBuilder().add("endToEndId", "demo-e2e"))
                        .add("instructedAmount", Json.createObjectBuilder()
                                .add("currency", "EUR").add("amount", "12.34"))
                        .add("remittanceInformation", Json.createArrayBuilder().add("psd2-token demo"))))
                .build();
    }

}
