package io.psd2token.it;

import io.psd2token.BankTokens;
import io.psd2token.token.TokenState;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Test only, in the cluster tests' deployments: what a node did for a bank, seen from inside the server. */
@Path("/probe")
@RequestScoped
public class ClusterProbe {

    @Inject
    BankTokens tokens;

    /** Token requests this node sent for the bank, every scope together (0 when it has no slot). */
    @GET
    @Path("/requests/{bkcode}")
    @Produces(MediaType.TEXT_PLAIN)
    public String requests(@PathParam("bkcode") String bkcode) {
        return Long.toString(tokens.states().stream().filter(s -> s.bank().equals(bkcode))
                .mapToLong(TokenState::requests).sum());
    }

    /** How long {@code token(bkcode)} took here, in microseconds: the library's own time, without HTTP. */
    @GET
    @Path("/timed/{bkcode}")
    @Produces(MediaType.TEXT_PLAIN)
    public String timedToken(@PathParam("bkcode") String bkcode) {
        long start = System.nanoTime();
        tokens.token(bkcode);
        return Long.toString((System.nanoTime() - start) / 1000);
    }
}
