package io.psd2token.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/**
 * An in-process HTTPS simulator of Groupe BPCE STET PSD2 banks: an mTLS OAuth2 token endpoint and a payment API.
 */
public final class BankSimulator implements AutoCloseable {

    /** Path of the token endpoint below {@code /{bkcode}}. */
    public static final String TOKEN_PATH = "/stet/psd2/oauth/token";
    /** Path of the payment-request endpoint below {@code /{bkcode}}. */
    public static final String PAYMENT_REQUESTS_PATH = "/stet/psd2/v1/payment-requests";
    /** The token type banks answer with unless a test changes it. */
    public static final String DEFAULT_TOKEN_TYPE = "Bearer";
    /** The scope granted when the token request names none. */
    public static final String DEFAULT_SCOPE = "pisp";
    /** Largest request body read; larger ones get 413. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(BankSimulator.class.getName());
    private static final String FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
    private static final String[] TLS_PROTOCOLS = { "TLSv1.3", "TLSv1.2" };
    private static final int THREADS = 16;
    private static final int TOKEN_BYTES = 32; // 43 base64url characters
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a bank writes {@code expires_in} in its token response. */
    public enum ExpiresInStyle {
        /** As a JSON string, e.g. {@code "3600"}, as the BPCE documentation shows. */
        STRING,
        /** As a JSON number, as RFC 6749 shows. */
        NUMBER,
        /** Left out, which RFC 6749 allows. */
        ABSENT
    }

    /**
     * How to start a simulator; build it with {@link #forPki(TestPki)} or {@link #of(Path, String, X509Certificate)}
     * and adjust it with the withers.
     */
    public record Settings(
            String bindAddress,
            int port,
            Path serverKeyStore,
            String serverKeyStorePassword,
            X509Certificate trustedQtspCa,
            String expectedClientId,
            List<String> bankCodes,
            Duration tokenLifetime,
            Clock clock) {

        /** Checks the settings and copies the bank codes. */
        public Settings {
            Objects.requireNonNull(bindAddress, "bindAddress");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            Objects.requireNonNull(serverKeyStore, "serverKeyStore");
            Objects.requireNonNull(serverKeyStorePassword, "serverKeyStorePassword");
            Objects.requireNonNull(trustedQtspCa, "trustedQtspCa");
            Objects.requireNonNull(expectedClientId, "expectedClientId");
            bankCodes = List.copyOf(bankCodes);
            if (bankCodes.isEmpty() || new HashSet<>(bankCodes).size() != bankCodes.size()) {
                throw new IllegalArgumentException("bank codes must be present and distinct: " + bankCodes);
            }
            for (String code : bankCodes) {
                if (code.isBlank() || code.contains("/")) {
                    throw new IllegalArgumentException("invalid bank code: " + code);
                }
            }
            requirePositive(tokenLifetime);
            Objects.requireNonNull(clock, "clock");
        }

        /** Settings with the defaults: 127.0.0.1, ephemeral port, banks 13807 and 17515, 1 hour tokens, system clock. */
        public static Settings of(Path serverKeyStore, String serverKeyStorePassword, X509Certificate trustedQtspCa) {
            return new Settings("127.0.0.1", 0, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    TestPki.DEFAULT_CLIENT_ID, List.of("13807", "17515"), Duration.ofHours(1), Clock.systemUTC());
        }

        /** Default settings using a test PKI's server key store, QTSP CA and client id. */
        public static Settings forPki(TestPki pki) {
            return of(pki.serverKeyStore(), pki.password(), pki.qtspCa()).withExpectedClientId(pki.clientId());
        }

        /** Returns a copy bound to another local address. */
        public Settings withBindAddress(String newBindAddress) {
            return new Settings(newBindAddress, port, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    expectedClientId, bankCodes, tokenLifetime, clock);
        }

        /** Returns a copy listening on another port (0 picks a free one). */
        public Settings withPort(int newPort) {
            return new Settings(bindAddress, newPort, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    expectedClientId, bankCodes, tokenLifetime, clock);
        }

        /** Returns a copy using another PKCS12 server key store. */
        public Settings withServerKeyStore(Path newServerKeyStore, String newPassword) {
            return new Settings(bindAddress, port, newServerKeyStore, newPassword, trustedQtspCa,
                    expectedClientId, bankCodes, tokenLifetime, clock);
        }

        /** Returns a copy trusting another QTSP CA for client certificates. */
        public Settings withTrustedQtspCa(X509Certificate newTrustedQtspCa) {
            return new Settings(bindAddress, port, serverKeyStore, serverKeyStorePassword, newTrustedQtspCa,
                    expectedClientId, bankCodes, tokenLifetime, clock);
        }

        /** Returns a copy expecting another registered client id. */
        public Settings withExpectedClientId(String newExpectedClientId) {
            return new Settings(bindAddress, port, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    newExpectedClientId, bankCodes, tokenLifetime, clock);
        }

        /** Returns a copy serving other banks. */
        public Settings withBankCodes(String... newBankCodes) {
            return new Settings(bindAddress, port, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    expectedClientId, List.of(newBankCodes), tokenLifetime, clock);
        }

        /** Returns a copy issuing tokens with another lifetime. */
        public Settings withTokenLifetime(Duration newTokenLifetime) {
            return new Settings(bindAddress, port, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    expectedClientId, bankCodes, newTokenLifetime, clock);
        }

        /** Returns a copy reading time (token expiry, certificate validity) from another clock. */
        public Settings withClock(Clock newClock) {
            return new Settings(bindAddress, port, serverKeyStore, serverKeyStorePassword, trustedQtspCa,
                    expectedClientId, bankCodes, tokenLifetime, newClock);
        }

        /** Describes the settings without the key store password. */
        @Override
        public String toString() {
            return "Settings[bindAddress=" + bindAddress + ", port=" + port + ", serverKeyStore=" + serverKeyStore
                    + ", trustedQtspCa=" + trustedQtspCa.getSubjectX500Principal() + ", expectedClientId="
                    + expectedClientId + ", bankCodes=" + bankCodes + ", tokenLifetime=" + tokenLifetime
                    + ", clock=" + clock + "]";
        }
    }

    /** Everything one bank keeps: its live tokens, counters and fault switches (add new switches here). */
    private static final class BankState {
        final String code;
        final Map<String, Instant> tokenExpiries = new ConcurrentHashMap<>();
        final AtomicInteger tokenRequests = new AtomicInteger();
        final AtomicInteger tokensIssued = new AtomicInteger();
        final AtomicInteger paymentRequests = new AtomicInteger();
        final AtomicInteger invalidTokenResponses = new AtomicInteger();
        volatile String tokenType = DEFAULT_TOKEN_TYPE;
        volatile ExpiresInStyle expiresInStyle = ExpiresInStyle.STRING;

        BankState(String code) {
            this.code = code;
        }

        boolean isLive(String token, Instant now) {
            Instant expiry = tokenExpiries.get(token);
            return expiry != null && expiry.isAfter(now);
        }

        void reset() {
            tokenExpiries.clear();
            tokenRequests.set(0);
            tokensIssued.set(0);
            paymentRequests.set(0);
            invalidTokenResponses.set(0);
            tokenType = DEFAULT_TOKEN_TYPE;
            expiresInStyle = ExpiresInStyle.STRING;
        }
    }

    /** An OAuth2 error answer (RFC 6749 §5.2), thrown inside the token endpoint to stop at the first failed check. */
    private static final class OAuthError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String error;

        OAuthError(int status, String error, String description) {
            super(description, null, false, false);
            this.status = status;
            this.error = error;
        }
    }

    private final Settings settings;
    private final HttpsServer server;
    private final ExecutorService executor;
    private final Map<String, BankState> banks;
    private final TrustAnchor qtspAnchor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Duration tokenLifetime;

    private BankSimulator(Settings settings, HttpsServer server, ExecutorService executor) {
        this.settings = settings;
        this.server = server;
        this.executor = executor;
        Map<String, BankState> states = new LinkedHashMap<>();
        settings.bankCodes().forEach(code -> states.put(code, new BankState(code)));
        this.banks = Map.copyOf(states);
        this.qtspAnchor = new TrustAnchor(settings.trustedQtspCa(), null);
        this.tokenLifetime = settings.tokenLifetime();
    }

    /** Starts a simulator listening for HTTPS with mandatory client certificates. */
    public static BankSimulator start(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        SSLContext sslContext = serverSslContext(settings);
        HttpsServer server;
        try {
            server = HttpsServer.create(
                    new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + settings.bindAddress() + ":" + settings.port(), e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(sslContext) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setProtocols(TLS_PROTOCOLS);
                // Required, not wanted: a client without a certificate fails the handshake, as at a real bank.
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        });
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "bank-simulator-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        BankSimulator simulator = new BankSimulator(settings, server, executor);
        server.createContext("/", simulator::handle);
        server.start();
        return simulator;
    }

    /** Stops listening, drops open connections and ends the worker threads. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
            try {
                executor.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Returns the settings the simulator was started with. */
    public Settings settings() {
        return settings;
    }

    /** Returns the port the simulator listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Returns {@code https://localhost:<port>}, the name the server certificate is issued to. */
    public URI baseUri() {
        return URI.create("https://localhost:" + port());
    }

    /** Returns the token endpoint of one bank. */
    public URI tokenEndpoint(String bkcode) {
        return baseUri().resolve("/" + bank(bkcode).code + TOKEN_PATH);
    }

    /** Returns the payment-request endpoint of one bank. */
    public URI paymentRequestsEndpoint(String bkcode) {
        return baseUri().resolve("/" + bank(bkcode).code + PAYMENT_REQUESTS_PATH);
    }

    /** Returns how many POSTs the bank's token endpoint received, whatever their outcome. */
    public int tokenRequests(String bkcode) {
        return bank(bkcode).tokenRequests.get();
    }

    /** Returns how many tokens the bank issued. */
    public int tokensIssued(String bkcode) {
        return bank(bkcode).tokensIssued.get();
    }

    /** Returns how many POSTs the bank's payment-request endpoint received, whatever their outcome. */
    public int paymentRequests(String bkcode) {
        return bank(bkcode).paymentRequests.get();
    }

    /** Returns how many 403 "Invalid token" answers the bank gave. */
    public int invalidTokenResponses(String bkcode) {
        return bank(bkcode).invalidTokenResponses.get();
    }

    /** Forgets every token the bank issued, so the next API call with one of them gets 403. */
    public void revokeTokens(String bkcode) {
        bank(bkcode).tokenExpiries.clear();
    }

    /** Makes the bank answer token requests with another {@code token_type}, e.g. "MAC". */
    public void setTokenType(String bkcode, String tokenType) {
        bank(bkcode).tokenType = Objects.requireNonNull(tokenType, "tokenType");
    }

    /** Makes the bank write {@code expires_in} as a string, a number, or not at all. */
    public void setExpiresInStyle(String bkcode, ExpiresInStyle style) {
        bank(bkcode).expiresInStyle = Objects.requireNonNull(style, "style");
    }

    /** Sets the lifetime of tokens issued from now on, for every bank. */
    public void setTokenLifetime(Duration lifetime) {
        tokenLifetime = requirePositive(lifetime);
    }

    /** Puts counters, tokens, per-bank switches and the token lifetime back to their starting state. */
    public void reset() {
        banks.values().forEach(BankState::reset);
        tokenLifetime = settings.tokenLifetime();
    }

    private BankState bank(String bkcode) {
        BankState bank = banks.get(bkcode);
        if (bank == null) {
            throw new IllegalArgumentException("the simulator does not serve bank " + bkcode);
        }
        return bank;
    }

    private void handle(HttpExchange exchange) throws IOException {
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
            token(exchange, bank);
        } else {
            paymentRequest(exchange, bank);
        }
    }

    private void token(HttpExchange exchange, BankState bank) throws IOException {
        bank.tokenRequests.incrementAndGet();
        try {
            String scope = checkTokenRequest(exchange);
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
        checkClientCertificate(exchange, clientId);
        String scope = form.get("scope");
        return scope == null || scope.isBlank() ? DEFAULT_SCOPE : scope;
    }

    /** Authenticates the client by its TLS certificate, as PSD2 banks do with eIDAS QWACs. */
    private void checkClientCertificate(HttpExchange exchange, String clientId) throws OAuthError {
        List<X509Certificate> chain = peerChain(exchange);
        if (chain.isEmpty()) {
            throw invalidClient("no client certificate presented");
        }
        X509Certificate leaf = chain.get(0);
        Date now = Date.from(settings.clock().instant());
        // Validity first, so an expired QWAC is reported as such rather than as a path failure.
        try {
            leaf.checkValidity(now);
        } catch (CertificateExpiredException e) {
            throw invalidClient("client certificate expired");
        } catch (CertificateNotYetValidException e) {
            throw invalidClient("client certificate not yet valid");
        }
        if (!chainsToQtsp(chain, now)) {
            throw invalidClient("client certificate not issued by a recognised QTSP");
        }
        String organizationIdentifier = organizationIdentifier(leaf);
        if (organizationIdentifier == null) {
            throw invalidClient("client certificate has no organizationIdentifier");
        }
        if (!organizationIdentifier.equals(clientId)) {
            throw invalidClient("client_id does not match the certificate organizationIdentifier");
        }
        if (!organizationIdentifier.equals(settings.expectedClientId())) {
            throw invalidClient("client_id is not registered with this bank");
        }
    }

    private static OAuthError invalidClient(String description) {
        return new OAuthError(401, "invalid_client", description);
    }

    private static List<X509Certificate> peerChain(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return List.of();
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : https.getSSLSession().getPeerCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
            return chain;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    private boolean chainsToQtsp(List<X509Certificate> chain, Date at) {
        // A client may or may not send its root; the trust anchor must come from configuration, never the wire.
        List<X509Certificate> path = new ArrayList<>(chain);
        while (path.size() > 1 && isSelfIssued(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(Set.of(qtspAnchor));
            parameters.setRevocationEnabled(false);
            parameters.setDate(at);
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean isSelfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    /** Returns the subject's organizationIdentifier (OID 2.5.4.97), or null if absent or ambiguous. */
    private static String organizationIdentifier(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] rdns = subject.getRDNs(BCStyle.ORGANIZATION_IDENTIFIER);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            return null;
        }
        return rdns[0].getFirst().getValue() instanceof ASN1String value ? value.getString() : null;
    }

    private void issueToken(HttpExchange exchange, BankState bank, String scope) throws IOException {
        Instant now = settings.clock().instant();
        Duration lifetime = tokenLifetime;
        String token = newToken();
        // Drop expired tokens here so long-running simulators do not grow without bound.
        bank.tokenExpiries.values().removeIf(expiry -> !expiry.isAfter(now));
        bank.tokenExpiries.put(token, now.plus(lifetime));
        bank.tokensIssued.incrementAndGet();

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

    private void paymentRequest(HttpExchange exchange, BankState bank) throws IOException {
        bank.paymentRequests.incrementAndGet();
        String token = bearerToken(exchange.getRequestHeaders().getFirst("Authorization"));
        if (token == null || !bank.isLive(token, settings.clock().instant())) {
            // BPCE answers 403 "Invalid token" for missing, unknown, expired and other banks' tokens alike.
            bank.invalidTokenResponses.incrementAndGet();
            LOG.log(Level.FINE, "bank {0}: payment request refused, invalid token", bank.code);
            sendJson(exchange, 403, error("invalid_token", "Invalid token"), Map.of());
            return;
        }
        if (readBody(exchange) == null) {
            sendJson(exchange, 413, error("payload_too_large", "request body larger than " + MAX_BODY_BYTES
                    + " bytes"), Map.of());
            return;
        }
        String id = UUID.randomUUID().toString();
        JsonObject body = Json.createObjectBuilder()
                .add("paymentRequestResourceId", id)
                .add("bank", bank.code)
                .add("appliedAuthenticationApproach", "REDIRECT")
                .add("_links", Json.createObjectBuilder()
                        .add("consentApproval", Json.createObjectBuilder()
                                .add("href", "https://example.invalid/consent/" + id)))
                .build();
        LOG.log(Level.FINE, "bank {0}: payment request created", bank.code);
        sendJson(exchange, 201, body, Map.of("Location", "/" + bank.code + PAYMENT_REQUESTS_PATH + "/" + id));
    }

    private static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String[] parts = authorization.trim().split(" +", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isBlank()) {
            return null;
        }
        return parts[1].trim();
    }

    private static String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
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

    /** Reads the request body, or returns null if it is larger than {@link #MAX_BODY_BYTES}. */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        return body.length > MAX_BODY_BYTES ? null : body;
    }

    private static JsonObject error(String error, String description) {
        return Json.createObjectBuilder().add("error", error).add("error_description", description).build();
    }

    private static void sendJson(HttpExchange exchange, int status, JsonObject body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        Headers responseHeaders = exchange.getResponseHeaders();
        responseHeaders.set("Content-Type", "application/json");
        headers.forEach(responseHeaders::set);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static SSLContext serverSslContext(Settings settings) {
        char[] password = settings.serverKeyStorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(settings.serverKeyStore())) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), new TrustManager[] { new AnyClientChainTrustManager() }, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the server key store " + settings.serverKeyStore(), e);
        }
    }

    private static Duration requirePositive(Duration lifetime) {
        Objects.requireNonNull(lifetime, "tokenLifetime");
        if (lifetime.isZero() || lifetime.isNegative()) {
            throw new IllegalArgumentException("token lifetime must be positive: " + lifetime);
        }
        return lifetime;
    }

    /**
     * Accepts whatever client chain is presented at the TLS layer.
     *
     * <p>Why: a bank terminates TLS and then answers an untrusted or expired QWAC with an RFC 6749 invalid_client
     * error, which is what the product must handle; rejecting in the handshake would only test a socket error. The
     * real check runs per request against the configured QTSP CA. A client with no certificate at all still fails
     * the handshake, because client authentication is required. No issuers are advertised, so that clients offer
     * their certificate whoever issued it.
     */
    private static final class AnyClientChainTrustManager extends X509ExtendedTrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("no client certificate");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the simulator never acts as a TLS client");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
