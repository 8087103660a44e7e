package io.psd2token.perf.app;

import io.psd2token.BankTokens;
import io.psd2token.client.BankApiClients;
import io.psd2token.demo.PaymentRequestsApi;
import io.psd2token.demo.SamplePaymentRequest;
import io.psd2token.internal.token.ClientCredentialsGrant;
import io.psd2token.bank.Scope;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two endpoints the load run alternates between, identical but for the client: {@code /library/{bkcode}}
 * sends a payment request through {@link BankApiClients} (bearer filter, 403 check, retry wrapper),
 * {@code /bare/{bkcode}} through {@link HardCodedClients}. Both send the same constant payment request and read
 * the bank's whole answer.
 */
@Path("/load")
@RequestScoped
public class LoadResource {

    private static final JsonObject PAYMENT = SamplePaymentRequest.create();

    @Inject
    BankApiClients clients;

    @Inject
    HardCodedClients hardCoded;

    @Inject
    BankTokens tokens;

    /** A payment request through the library's client: 201 if the bank created it, else 502. */
    @POST
    @Path("/library/{bkcode}")
    public Response library(@PathParam("bkcode") String bkcode) {
        return forward(clients.client(bkcode, PaymentRequestsApi.class));
    }

    /** The same through the hard-coded client. */
    @POST
    @Path("/bare/{bkcode}")
    public Response bare(@PathParam("bkcode") String bkcode) {
        return forward(hardCoded.client(bkcode));
    }

    private static Response forward(PaymentRequestsApi api) {
        int status;
        try (Response answer = api.create(PAYMENT)) {
            answer.readEntity(String.class);
            status = answer.getStatus();
        } catch (WebApplicationException e) {
            status = e.getResponse().getStatus();
        }
        return Response.status(status == 201 ? 201 : 502).build();
    }

    /**
     * Times, inside the server, the deployment's first token and a bare POST with the same Elytron SSL context;
     * meant as the first call after deployment. In this order: the library's first {@code token(bkcode)}; a bare
     * JDK {@code HttpClient} (new) POST of the same form with {@code sslContext(bkcode)}; the library again after
     * {@code invalidate(bkcode)}; the bare client again.
     *
     * @return nanoseconds of each step
     */
    @GET
    @Path("/token-timings/{bkcode}")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Long> tokenTimings(@PathParam("bkcode") String bkcode) throws IOException, InterruptedException {
        Map<String, Long> nanos = new LinkedHashMap<>();
        long start = System.nanoTime();
        tokens.token(bkcode);
        nanos.put("libraryFirst", System.nanoTime() - start);

        start = System.nanoTime();
        HttpClient bare = HttpClient.newBuilder().sslContext(tokens.sslContext(bkcode))
                .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        barePost(bare, bkcode);
        nanos.put("bareFirst", System.nanoTime() - start);

        start = System.nanoTime();
        tokens.invalidate(bkcode);
        tokens.token(bkcode);
        nanos.put("librarySecond", System.nanoTime() - start);

        start = System.nanoTime();
        barePost(bare, bkcode);
        nanos.put("bareSecond", System.nanoTime() - start);
        return nanos;
    }

    private void barePost(HttpClient client, String bkcode) throws IOException, InterruptedException {
        String clientId = tokens.identity().orElseThrow().organizationIdentifier().value();
        HttpRequest request = HttpRequest.newBuilder(tokens.endpoints(bkcode).tokenEndpoint())
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new ClientCredentialsGrant(clientId, Scope.PISP).formBody(),
                        StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("token endpoint answered " + response.statusCode());
        }
    }
}
