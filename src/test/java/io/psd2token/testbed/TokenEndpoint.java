package io.psd2token.testbed;

import static io.psd2token.testbed.Answers.error;
import static io.psd2token.testbed.Answers.readBody;
import static io.psd2token.testbed.Answers.sendJson;
import static io.psd2token.testbed.BankSimulator.DEFAULT_SCOPE;
import static io.psd2token.testbed.BankSimulator.MAX_BODY_BYTES;
import static io.psd2token.testbed.ClientCertificateCheck.peerChain;
import static io.psd2token.testbed.IssuedTokens.newToken;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.sun.net.httpserver.HttpExchange;

import io.psd2token.testbed.BankSimulator.Fault;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;

/**
 * A bank's OAuth2 token endpoint ({@link BankSimulator#TOKEN_PATH}): counts the request, hands it to the bank's
 * token-endpoint fault if one is on ({@link TokenEndpointFaults}), else applies the RFC 6749 client-credentials
 * checks in a bank's order, the client certificate check last, and issues a token with the bank's token type,
 * {@code expires_in} style and the current lifetime.
 */
final class TokenEndpoint {

    // The façade's logger: log configurations and captures know the simulator by that name.
    private static final Logger LOG = Logger.getLogger(BankSimulator.class.getName());
    private static final String FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";

    private final IssuedTokens tokens;
    private final ClientCertificateCheck clientCertificates;
    private final TokenEndpointFaults faults;

    TokenEndpoint(IssuedTokens tokens, ClientCertificateCheck clientCertificates, TokenEndpointFaults faults) {
        this.tokens = tokens;
        this.clientCertificates = clientCertificates;
        this.faults = faults;
    }

    void handle(HttpExchange exchange, BankState bank) throws IOException {
        bank.tokenRequests.incrementAndGet();
        // See the BankSimulator class comment: one connection per token request, unless the bank keeps them.
        if (!bank.keepsTokenConnections) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        long generation = bank.generation();
        Fault fault = bank.take(Fault.Where.TOKEN_ENDPOINT);
        if (fault != null) {
            LOG.log(Level.FINE, "bank {0}: token request answered with fault {1}", new Object[] { bank.code, fault });
            // The request is read whatever the answer, as a bank's front end would before failing.
            exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
            faults.answer(exchange, bank, fault, generation);
            return;
        }
        try {
            String scope = checkTokenRequest(exchange);
            List<X509Certificate> presented = peerChain(exchange);
            if (!presented.isEmpty()) {
                bank.lastClientCertificateSerial = presented.get(0).getSerialNumber();
            }
            issueToken(exchange, bank, scope);
        } catch (OAuthError e) {
            LOG.log(Level.FINE, "bank {0}: token request rejected, {1}", new Object[] { bank.code, e.error });
            sendJson(exchange, e.status, error(e.error, e.getMessage()), Map.of("Cache-Control", "no-store"));
        }
    }

    /** Applies the token endpoint's checks in a bank's order and returns the scope to grant. */
    private String checkTokenRequest(HttpExchange exchange) throws IOException, OAuthError {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !mediaType(contentType).equals(FORM_MEDIA_TYPE)) {
            throw new OAuthError(400, "invalid_request", "Content-Type must be " + FORM_MEDIA_TYPE);
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            throw new OAuthError(413, "invalid_request", "request body larger than " + MAX_BODY_BYTES + " bytes");
        }
        Map<String, String> form = parseForm(new String(body, StandardCharsets.UTF_8));
        String grantType = form.get("grant_type");
        // RFC 6749 §5.2: a missing parameter is invalid_request, an unknown grant is unsupported_grant_type.
        if (grantType == null || grantType.isEmpty()) {
            throw new OAuthError(400, "invalid_request", "grant_type is required");
        }
        if (!grantType.equals("client_credentials")) {
            throw new OAuthError(400, "unsupported_grant_type", "only client_credentials is supported");
        }
        String clientId = form.get("client_id");
        if (clientId == null || clientId.isEmpty()) {
            throw new OAuthError(400, "invalid_request", "client_id is required");
        }
        clientCertificates.check(exchange, clientId);
        String scope = form.get("scope");
        return scope == null || scope.isBlank() ? DEFAULT_SCOPE : scope;
    }

    private void issueToken(HttpExchange exchange, BankState bank, String scope) throws IOException {
        Duration lifetime = tokens.lifetime();
        String token = tokens.live(bank, newToken(), lifetime);

        JsonObjectBuilder body = Json.createObjectBuilder()
                .add("access_token", token)
                .add("token_type", bank.tokenType);
        switch (bank.expiresInStyle) {
            case STRING -> body.add("expires_in", Long.toString(lifetime.toSeconds()));
            case NUMBER -> body.add("expires_in", lifetime.toSeconds());
            case ABSENT -> { }
        }
        body.add("scope", scope);
        LOG.log(Level.FINE, "bank {0}: token issued", bank.code);
        sendJson(exchange, 200, body.build(), Map.of("Cache-Control", "no-store", "Pragma", "no-cache"));
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return type.trim().toLowerCase(Locale.ROOT);
    }

    private static Map<String, String> parseForm(String body) throws OAuthError {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                // RFC 6749 §3.2: request parameters must not be included more than once.
                if (form.putIfAbsent(name, value) != null) {
                    throw new OAuthError(400, "invalid_request", name + " is repeated");
                }
            } catch (IllegalArgumentException e) {
                throw new OAuthError(400, "invalid_request", "malformed form body");
            }
        }
        return form;
    }
}
