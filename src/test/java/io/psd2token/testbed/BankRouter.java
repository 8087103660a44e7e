package io.psd2token.testbed;

import static io.psd2token.testbed.Answers.error;
import static io.psd2token.testbed.Answers.sendJson;
import static io.psd2token.testbed.BankSimulator.PAYMENT_REQUESTS_PATH;
import static io.psd2token.testbed.BankSimulator.TOKEN_PATH;

import java.io.IOException;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

/**
 * The shared HTTPS server's only handler: finds the bank by the first path segment and the endpoint by the rest,
 * answers 404 and 405 itself, and hands the exchange to the token endpoint or the payment API. A failure no
 * endpoint answered becomes a 500 {@code server_error}; the exchange is always closed.
 */
final class BankRouter implements HttpHandler {

    // The façade's logger: log configurations and captures know the simulator by that name.
    private static final Logger LOG = Logger.getLogger(BankSimulator.class.getName());

    private final Map<String, BankState> banks;
    private final TokenEndpoint tokenEndpoint;
    private final PaymentApi paymentApi;

    BankRouter(Map<String, BankState> banks, TokenEndpoint tokenEndpoint, PaymentApi paymentApi) {
        this.banks = banks;
        this.tokenEndpoint = tokenEndpoint;
        this.paymentApi = paymentApi;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange);
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.FINE, "request failed: {0}", e.toString());
            if (exchange.getResponseCode() == -1) {
                sendJson(exchange, 500, error("server_error", "the simulator failed to answer"), Map.of());
            }
        } finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        // Paths look like /{bkcode}/stet/psd2/...: one server plays every bank.
        String path = exchange.getRequestURI().getRawPath();
        int slash = path.indexOf('/', 1);
        String bkcode = slash > 1 ? path.substring(1, slash) : "";
        String endpoint = slash > 1 ? path.substring(slash) : path;
        boolean isToken = endpoint.equals(TOKEN_PATH);
        if (!isToken && !endpoint.equals(PAYMENT_REQUESTS_PATH)) {
            sendJson(exchange, 404, error("not_found", "no such endpoint"), Map.of());
            return;
        }
        BankState bank = banks.get(bkcode);
        if (bank == null) {
            sendJson(exchange, 404, error("not_found", "unknown bank code"), Map.of());
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            sendJson(exchange, 405, error("method_not_allowed", "use POST"), Map.of("Allow", "POST"));
            return;
        }
        if (isToken) {
            tokenEndpoint.handle(exchange, bank);
        } else {
            paymentApi.handle(exchange, bank);
        }
    }
}
