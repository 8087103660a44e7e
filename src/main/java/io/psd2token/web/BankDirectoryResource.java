package io.psd2token.web;

import io.psd2token.bank.Bank;
import io.psd2token.bank.BankDirectory;
import io.psd2token.bank.Network;
import io.psd2token.error.UnknownBankException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * The bank directory as JSON for a PSU-facing bank picker: {@code GET <path>?q=ile de france&network=CAISSE_EPARGNE}
 * lists the enabled banks a search finds, {@code GET <path>/{bkcode}} shows one bank or answers 404.
 *
 * <p>An application activates it by extending it at the path it chooses, e.g.
 * {@code @Path("/banks") public class Banks extends BankDirectoryResource {}}; the subclass may add its own
 * sub-resources under {@code {bkcode}/...} and security annotations.
 */
// Why abstract, without a class-level @Path: WildFly indexes every jar of a WAR (WEB-INF/lib) and, when the
// application's Application subclass lists no classes, registers every class that carries a class-level @Path
// (jaxrs subsystem, JaxrsScanningProcessor; method-level @Path is ignored there). A concrete @Path class here
// would publish the directory in every application that merely uses the library. Subclassing keeps it opt-in,
// works with scanning and with Application#getClasses() alike, and keeps {bkcode} sub-resources in the same
// root class: a second root class at "<path>/{bkcode}" would win JAX-RS root matching (spec 3.7.2: the root
// class with the most literal characters is the only one tried) and hide GET <path>/{bkcode}.
@Produces(MediaType.APPLICATION_JSON)
public abstract class BankDirectoryResource {

    @Inject
    BankDirectory directory;

    /**
     * The directory served; the injected one unless a subclass overrides this.
     *
     * @return the directory searched by {@link #banks(String, String)} and {@link #bank(String)}
     */
    protected BankDirectory directory() {
        return directory;
    }

    /**
     * The enabled banks a PSU can pick, in bank-code order.
     *
     * @param query words that begin the bank's name, short name or an alias; case and accents do not matter
     * @param network {@code BANQUE_POPULAIRE}, {@code CAISSE_EPARGNE} or {@code OTHER}; all when absent
     * @return 200 with a JSON array of {@link BankJson}, or 400 with a {@link Problem} for an invalid
     *         network or an overlong query
     */
    @GET
    public Response banks(@QueryParam("q") String query, @QueryParam("network") String network) {
        try {
            Network filter = network == null || network.isBlank() ? null : Network.parse(network);
            List<BankJson> found = directory().search(query, filter).stream().map(BankJson::of).toList();
            return Response.ok(found).build();
        } catch (IllegalArgumentException e) {
            // Both messages are fixed texts: nothing of the caller's input is echoed.
            return problem(Response.Status.BAD_REQUEST, "InvalidBankSearch", e.getMessage());
        }
    }

    /**
     * One enabled bank.
     *
     * @param bkcode the five-digit bank code from the path, as the client sent it; checked before any use
     * @return 200 with a {@link BankJson}, or 404 with a {@link Problem} when the code is malformed, unknown or
     *         disabled (the message is bounded and says how to add or enable a bank)
     */
    @GET
    @Path("{bkcode}")
    public Response bank(@PathParam("bkcode") String bkcode) {
        try {
            return Response.ok(BankJson.of(directory().require(bkcode))).build();
        } catch (UnknownBankException e) {
            return problem(Response.Status.NOT_FOUND, UnknownBankException.class.getSimpleName(), e.getMessage());
        }
    }

    private static Response problem(Response.Status status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new Problem(error, message)).build();
    }

    /**
     * A bank as the resource shows it; empty texts are left out of the JSON.
     *
     * @param bkcode the five-digit bank code, the value to pass to {@code BankTokens.token(bkcode)}
     * @param name the name to show
     * @param shortName the short name, e.g. {@code CEIDF}
     * @param network {@code BANQUE_POPULAIRE}, {@code CAISSE_EPARGNE} or {@code OTHER}
     * @param aliases other names of the same bank code
     * @param confirmed true if BPCE's 89C3 pages show the bank code
     * @param note a caveat from BPCE's pages
     */
    public record BankJson(String bkcode, String name, String shortName, String network, List<String> aliases,
            boolean confirmed, String note) {

        /**
         * Shows {@code bank}.
         *
         * @param bank the directory entry to show
         * @return its JSON view, with an empty short name or note turned into {@code null} so that it is left out
         */
        public static BankJson of(Bank bank) {
            return new BankJson(bank.bkcode().value(), bank.name(), emptyToNull(bank.shortName()),
                    bank.network().name(), bank.aliases(), bank.confirmed(), emptyToNull(bank.note()));
        }

        private static String emptyToNull(String text) {
            return text.isEmpty() ? null : text;
        }
    }

    /**
     * The JSON error body, shaped like the demo's: {@code {"error": "UnknownBankException", "message": "..."}}.
     *
     * @param error what went wrong, e.g. {@code UnknownBankException}
     * @param message what to check or configure
     */
    public record Problem(String error, String message) {
    }
}
