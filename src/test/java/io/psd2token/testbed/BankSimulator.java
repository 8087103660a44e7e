package io.psd2token.testbed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpsServer;

import io.psd2token.testbed.BankState.FaultSetting;

/**
 * An in-process HTTPS simulator of Groupe BPCE STET PSD2 banks: an mTLS OAuth2 token endpoint and a payment API.
 *
 * <p>One HTTPS server plays every bank, told apart by the first path segment ({@link #tokenEndpoint}). Each bank
 * also gets a port of its own on demand ({@link #dedicatedTokenEndpoint}), as each real bank has its own host:
 * it relays to the shared server, or plays the bank's connection or TLS {@link Fault}. Faults are switched per
 * bank ({@link #setFault}) and are thread-safe; {@link #reset()} clears them.
 *
 * <p>Token endpoint answers close their connection ({@code Connection: close}): a client obtains a token once per
 * lifetime, long after a bank's load balancer would have dropped the idle connection, and a fault switched on
 * acts on the very next token request rather than on whichever pooled connection the client still holds.
 *
 * <p>This class is the façade tests use, and its vocabulary ({@link Fault}, {@link Settings}); the work is done by
 * package-private classes, one concern each: {@link ServerTls}, {@link AnyClientChainTrustManager},
 * {@link ClientCertificateCheck} and {@link FaultCertificates} (TLS and PKI); {@link BankRouter},
 * {@link TokenEndpoint}, {@link TokenEndpointFaults} and {@link PaymentApi} (the HTTP endpoints); {@link BankState}
 * and {@link IssuedTokens} (per-bank state and tokens); {@link Doors}, {@link Door} and {@link HandshakeFaults} (the
 * dedicated ports).
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

    private static final int THREADS = 16;

    /** The delay in seconds a 429 or 503 fault asks for in its {@code Retry-After} header. */
    public static final int RETRY_AFTER_SECONDS = 7;
    /** How far ahead of the simulator's clock the HTTP-date of {@link Fault#TOO_MANY_REQUESTS_RETRY_AFTER_DATE} is. */
    public static final Duration RETRY_AFTER_DATE_DELAY = Duration.ofSeconds(120);
    /** The pace of {@link Fault#SLOW_DRIP_BODY}: one byte per interval. */
    public static final Duration DRIP_INTERVAL = Duration.ofMillis(500);
    /** The size of the body of {@link Fault#OVERSIZED_BODY} and {@link Fault#OVERSIZED_CHUNKED_BODY}. */
    public static final int OVERSIZED_BODY_BYTES = 10 * 1024 * 1024;
    /** The length of the token of {@link Fault#LONG_JWT_ACCESS_TOKEN}, far past the 140 characters BPCE documents. */
    public static final int LONG_TOKEN_LENGTH = 1200;
    /** The only name the certificate of {@link Fault#SERVER_CERTIFICATE_FOR_ANOTHER_HOST} is issued to. */
    public static final String OTHER_HOST = "www.99999.live.api.89c3.example";

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
     * A way a bank can misbehave, switched on per bank with {@link BankSimulator#setFault}. A fault acting on the
     * {@linkplain Where#CONNECTION connection} acts only on the bank's dedicated port
     * ({@link BankSimulator#dedicatedTokenEndpoint}), because TLS is over before a request names its bank; the
     * others act on the bank's paths on every port. The bodies of 200 answers carry a fresh token, listed by
     * {@link BankSimulator#issuedTokenValues()}, so a test can check that it never leaks; that token works at the
     * payment API only when the answer is a complete, well-formed one.
     *
     * <p>Two entries are no faults but legal answers a client must accept: {@link #LONG_JWT_ACCESS_TOKEN} and
     * {@link #EXTRA_FIELDS}; {@link #EXPIRES_IN_HUGE} is legal too (a client caps it).
     */
    public enum Fault {
        /** Nothing listens on the bank's port: connections are refused. */
        CONNECTION_REFUSED(Where.CONNECTION),
        /** The connection is accepted and at once reset (TCP RST), before any TLS byte. */
        CONNECTION_RESET(Where.CONNECTION),
        /** The connection is accepted and then nothing: no TLS handshake, no answer, until the fault changes. */
        SILENT_AFTER_CONNECT(Where.CONNECTION),
        /** The bank presents a certificate for localhost from a CA the client does not trust. */
        UNTRUSTED_SERVER_CERTIFICATE(Where.CONNECTION),
        /** The bank presents a certificate for {@link BankSimulator#OTHER_HOST} only (its CA: {@code otherHostCa()}). */
        SERVER_CERTIFICATE_FOR_ANOTHER_HOST(Where.CONNECTION),
        /** The bank's TLS layer refuses every client certificate chain, with an alert. */
        CLIENT_CERTIFICATE_REFUSED_BY_TLS(Where.CONNECTION),
        /** The bank speaks only a TLS version the client does not (TLS 1.1): it hangs up on the ClientHello. */
        TLS_PROTOCOL_MISMATCH(Where.CONNECTION),
        /** The bank speaks TLS 1.2 with a single cipher suite it has no key for: handshake_failure alert. */
        TLS_NO_COMMON_CIPHER_SUITE(Where.CONNECTION),
        /**
         * The bank asks for a client certificate issued by {@code CN=Other QTSP CA} only ({@code requestedCa()}): a
         * key-manager holding a QWAC from another QTSP presents nothing, and the bank hangs up.
         */
        CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED(Where.CONNECTION),

        /** The token request is read and never answered, until the fault changes. */
        ACCEPT_THEN_HANG(Where.TOKEN_ENDPOINT),
        /** The token request is read and the connection closed without a byte of answer. */
        CLOSE_WITHOUT_ANSWER(Where.TOKEN_ENDPOINT),
        /** A valid token response: headers at once, then the body a byte per {@link BankSimulator#DRIP_INTERVAL}. */
        SLOW_DRIP_BODY(Where.TOKEN_ENDPOINT),
        /** A 200 whose Content-Length promises more than is sent before the connection closes. */
        TRUNCATED_BODY(Where.TOKEN_ENDPOINT),
        /** HTTP 500 with an RFC 6749 {@code server_error} body. */
        INTERNAL_SERVER_ERROR(Where.TOKEN_ENDPOINT),
        /** HTTP 502 with a proxy's HTML page. */
        BAD_GATEWAY_HTML(Where.TOKEN_ENDPOINT),
        /** HTTP 503 {@code temporarily_unavailable}, Retry-After {@value BankSimulator#RETRY_AFTER_SECONDS} s. */
        SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS(Where.TOKEN_ENDPOINT),
        /** HTTP 429, Retry-After {@value BankSimulator#RETRY_AFTER_SECONDS} s. */
        TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS(Where.TOKEN_ENDPOINT),
        /** HTTP 429, {@code Retry-After} as an HTTP-date {@link BankSimulator#RETRY_AFTER_DATE_DELAY} ahead. */
        TOO_MANY_REQUESTS_RETRY_AFTER_DATE(Where.TOKEN_ENDPOINT),
        /** HTTP 400 {@code invalid_request}. */
        INVALID_REQUEST(Where.TOKEN_ENDPOINT),
        /** HTTP 401 {@code invalid_client}, whatever the client certificate. */
        INVALID_CLIENT(Where.TOKEN_ENDPOINT),
        /** HTTP 302 to another host: a token request must never follow it. */
        REDIRECT(Where.TOKEN_ENDPOINT),
        /** A 200 whose JSON breaks off mid-object. */
        MALFORMED_JSON(Where.TOKEN_ENDPOINT),
        /** A 200 {@code application/json} with no body at all. */
        EMPTY_BODY(Where.TOKEN_ENDPOINT),
        /** A 200 {@code text/html} maintenance page. */
        HTML_BODY(Where.TOKEN_ENDPOINT),
        /** A 200 JSON body of {@link BankSimulator#OVERSIZED_BODY_BYTES}, announced in Content-Length. */
        OVERSIZED_BODY(Where.TOKEN_ENDPOINT),
        /** The same body sent chunked, without a Content-Length. */
        OVERSIZED_CHUNKED_BODY(Where.TOKEN_ENDPOINT),
        /** A 200 token response without {@code access_token}. */
        MISSING_ACCESS_TOKEN(Where.TOKEN_ENDPOINT),
        /** A 200 token response without {@code token_type}. */
        MISSING_TOKEN_TYPE(Where.TOKEN_ENDPOINT),
        /** A 200 token response of {@code token_type} MAC, which the BPCE page mentions. */
        MAC_TOKEN_TYPE(Where.TOKEN_ENDPOINT),
        /** {@code expires_in} of -3600, as a number. */
        EXPIRES_IN_NEGATIVE(Where.TOKEN_ENDPOINT),
        /** {@code expires_in} of 0, as a number. */
        EXPIRES_IN_ZERO(Where.TOKEN_ENDPOINT),
        /** {@code expires_in} of "one hour". */
        EXPIRES_IN_NOT_NUMERIC(Where.TOKEN_ENDPOINT),
        /** {@code expires_in} of 10^20 seconds as a number: legal, a client caps it. */
        EXPIRES_IN_HUGE(Where.TOKEN_ENDPOINT),
        /** {@code expires_in} of 10^20 seconds as a numeric string. */
        EXPIRES_IN_HUGE_STRING(Where.TOKEN_ENDPOINT),
        /** A valid token response sent as {@code text/plain}. */
        TEXT_PLAIN_JSON(Where.TOKEN_ENDPOINT),
        /** An {@code access_token} carrying CR LF and a header line, as a header-injection attempt. */
        ACCESS_TOKEN_WITH_CONTROL_CHARACTERS(Where.TOKEN_ENDPOINT),
        /** Not a fault: a JWT-like token of {@link BankSimulator#LONG_TOKEN_LENGTH} characters. */
        LONG_JWT_ACCESS_TOKEN(Where.TOKEN_ENDPOINT),
        /** Not a fault: a valid token response with fields RFC 6749 does not name (numbers, objects, arrays, null). */
        EXTRA_FIELDS(Where.TOKEN_ENDPOINT),

        /** The payment API answers 403 "Invalid token" whatever the token; use with a count of calls. */
        INVALID_TOKEN_STORM(Where.PAYMENT_ENDPOINT),
        /** API rate limit as BPCE answers it: 403 with {@code "message":"TMRQ"}, no Retry-After. */
        API_RATE_LIMITED_TMRQ(Where.PAYMENT_ENDPOINT),
        /** The same with {@code Retry-After: }{@link BankSimulator#RETRY_AFTER_SECONDS}. */
        API_RATE_LIMITED_TMRQ_RETRY_AFTER(Where.PAYMENT_ENDPOINT),
        /** Another STET error on the API: 403 {@code "message":"NAAC"} (no account); the caller's business. */
        API_FORBIDDEN_NAAC(Where.PAYMENT_ENDPOINT);

        /** Where a fault acts. */
        public enum Where {
            /** The bank's dedicated port: before or during TLS. */
            CONNECTION,
            /** The bank's token endpoint, after TLS. */
            TOKEN_ENDPOINT,
            /** The bank's payment API, after TLS. */
            PAYMENT_ENDPOINT
        }

        private final Where where;

        Fault(Where where) {
            this.where = where;
        }

        /** Where the fault acts. */
        public Where where() {
            return where;
        }
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

    private final Settings settings;
    private final HttpsServer server;
    private final ExecutorService executor;
    private final Map<String, BankState> banks;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final IssuedTokens tokens;
    private final HandshakeFaults handshakeFaults;
    private final Doors doors;
    private final BankRouter router;

    private BankSimulator(Settings settings, HttpsServer server, ExecutorService executor,
            KeyManager[] serverKeyManagers) {
        this.settings = settings;
        this.server = server;
        this.executor = executor;
        this.handshakeFaults = new HandshakeFaults(serverKeyManagers);
        this.doors = new Doors(settings.bindAddress(), server, handshakeFaults, closed);
        Map<String, BankState> states = new LinkedHashMap<>();
        settings.bankCodes().forEach(code -> states.put(code, new BankState(code, closed)));
        this.banks = Map.copyOf(states);
        this.tokens = new IssuedTokens(settings.clock(), settings.tokenLifetime());
        ClientCertificateCheck clientCertificates = new ClientCertificateCheck(settings);
        this.router = new BankRouter(banks,
                new TokenEndpoint(tokens, clientCertificates, new TokenEndpointFaults(tokens, settings.clock())),
                new PaymentApi(settings.clock()));
    }

    /** Starts a simulator listening for HTTPS with mandatory client certificates. */
    public static BankSimulator start(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        KeyManager[] keyManagers = ServerTls.serverKeyManagers(settings);
        SSLContext sslContext = ServerTls.serverSslContext(keyManagers, new AnyClientChainTrustManager());
        HttpsServer server;
        try {
            server = HttpsServer.create(
                    new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + settings.bindAddress() + ":" + settings.port(), e);
        }
        server.setHttpsConfigurator(ServerTls.configurator(sslContext));
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "bank-simulator-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        BankSimulator simulator = new BankSimulator(settings, server, executor, keyManagers);
        server.createContext("/", simulator.router);
        server.start();
        return simulator;
    }

    /** Stops listening, drops open connections and ends the worker threads. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            // Ends answers waiting for a fault to change, and closes the dedicated ports.
            banks.values().forEach(BankState::close);
            server.stop(0);
            doors.shutdown();
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

    /** Returns the serial number of the client certificate of the bank's last issued token, if any. */
    public java.util.Optional<java.math.BigInteger> lastClientCertificateSerial(String bkcode) {
        return java.util.Optional.ofNullable(bank(bkcode).lastClientCertificateSerial);
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

    /** From now on, issuing a token revokes every earlier token of the bank (as some ASPSPs do). */
    public void setRevokesPreviousTokens(String bkcode, boolean revokes) {
        bank(bkcode).revokesPreviousTokens = revokes;
    }

    /** Returns the X-Request-ID of the bank's last API call, if it had one. */
    public java.util.Optional<String> lastRequestId(String bkcode) {
        return java.util.Optional.ofNullable(bank(bkcode).lastRequestId);
    }

    /** Returns how many API calls of the bank came without an X-Request-ID. */
    public int callsWithoutRequestId(String bkcode) {
        return bank(bkcode).callsWithoutRequestId.get();
    }

    /** Returns how many API calls the bank answered with its rate limit (403 TMRQ). */
    public int rateLimitedResponses(String bkcode) {
        return bank(bkcode).rateLimitedResponses.get();
    }

    /** Makes the bank answer token requests with another {@code token_type}, e.g. "MAC". */
    public void setTokenType(String bkcode, String tokenType) {
        bank(bkcode).tokenType = Objects.requireNonNull(tokenType, "tokenType");
    }

    /**
     * Lets the bank's token endpoint keep its connections open after an answer (HTTP/1.1 keep-alive), as a bank
     * whose front end keeps idle connections would, so that a client can send its next token request on a pooled
     * connection; off again after {@link #reset()}. For the benchmarks of a pooled token request: with it on, a
     * fault no longer meets every token request on a fresh connection.
     */
    public void setKeepsTokenConnections(String bkcode, boolean keeps) {
        bank(bkcode).keepsTokenConnections = keeps;
    }

    /** Makes the bank write {@code expires_in} as a string, a number, or not at all. */
    public void setExpiresInStyle(String bkcode, ExpiresInStyle style) {
        bank(bkcode).expiresInStyle = Objects.requireNonNull(style, "style");
    }

    /** Sets the lifetime of tokens issued from now on, for every bank. */
    public void setTokenLifetime(Duration lifetime) {
        tokens.setLifetime(requirePositive(lifetime));
    }

    /**
     * Puts counters, tokens, per-bank switches, faults and the token lifetime back to their starting state.
     * {@link #issuedTokenValues()} is kept: a leak check must also see the tokens issued before a reset.
     */
    public void reset() {
        banks.values().forEach(bank -> {
            bank.reset();
            bank.changeFault(null, doors);
        });
        tokens.setLifetime(settings.tokenLifetime());
    }

    /** Switches a fault on for the bank until it is cleared or replaced; see {@link Fault}. */
    public void setFault(String bkcode, Fault fault) {
        bank(bkcode).changeFault(new FaultSetting(Objects.requireNonNull(fault, "fault"), null), doors);
    }

    /**
     * Switches a fault on for the bank's next {@code times} occurrences (token requests, payment requests or
     * connections, by {@link Fault#where()}), after which the bank behaves again. Answers that hang or drip
     * keep doing so until the fault is changed explicitly.
     *
     * @throws IllegalArgumentException when {@code times} is not positive, or for {@link Fault#CONNECTION_REFUSED},
     *         whose refused connections cannot be counted
     */
    public void setFault(String bkcode, Fault fault, int times) {
        Objects.requireNonNull(fault, "fault");
        if (times < 1) {
            throw new IllegalArgumentException("times must be positive: " + times);
        }
        if (fault == Fault.CONNECTION_REFUSED) {
            throw new IllegalArgumentException("refused connections cannot be counted: use setFault(bkcode, fault)");
        }
        bank(bkcode).changeFault(new FaultSetting(fault, new AtomicInteger(times)), doors);
    }

    /** Switches the bank's fault off: it answers normally again, and answers left hanging by the fault end. */
    public void clearFault(String bkcode) {
        bank(bkcode).changeFault(null, doors);
    }

    /** Returns the fault the bank is in, if any. */
    public Optional<Fault> fault(String bkcode) {
        FaultSetting setting = bank(bkcode).fault;
        return Optional.ofNullable(setting).map(FaultSetting::fault);
    }

    /**
     * Returns {@code https://localhost:<port>}, where {@code <port>} belongs to this bank alone (opened on first
     * call, kept until {@link #close()}): the place where its connection faults act. Paths are as on the shared
     * port, bank code included.
     */
    public URI dedicatedBaseUri(String bkcode) {
        return URI.create("https://localhost:" + doors.door(bank(bkcode)).port);
    }

    /** Returns the bank's token endpoint on its dedicated port; see {@link #dedicatedBaseUri(String)}. */
    public URI dedicatedTokenEndpoint(String bkcode) {
        return dedicatedBaseUri(bkcode).resolve("/" + bank(bkcode).code + TOKEN_PATH);
    }

    /** Returns the bank's payment-request endpoint on its dedicated port. */
    public URI dedicatedPaymentRequestsEndpoint(String bkcode) {
        return dedicatedBaseUri(bkcode).resolve("/" + bank(bkcode).code + PAYMENT_REQUESTS_PATH);
    }

    /**
     * Returns every token value the simulator has written into an answer since it started, faulty answers
     * included, for tests that check no token reaches a log or an error message. Test-only; kept across
     * {@link #reset()}.
     */
    public Set<String> issuedTokenValues() {
        return tokens.values();
    }

    /**
     * Returns the CA that issued the certificate of {@link Fault#SERVER_CERTIFICATE_FOR_ANOTHER_HOST}. A client
     * must trust it, beside the bank server CA, to see that fault as a host-name mismatch rather than as an
     * unknown issuer (the bank server CA's key is not available to the simulator).
     */
    public X509Certificate otherHostCa() {
        return handshakeFaults.certificates().otherHostCa;
    }

    /** The CA {@link Fault#CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED} asks client certificates to come from. */
    public X509Certificate requestedCa() {
        return handshakeFaults.certificates().requestedCa;
    }

    private BankState bank(String bkcode) {
        BankState bank = banks.get(bkcode);
        if (bank == null) {
            throw new IllegalArgumentException("the simulator does not serve bank " + bkcode);
        }
        return bank;
    }

    private static Duration requirePositive(Duration lifetime) {
        Objects.requireNonNull(lifetime, "tokenLifetime");
        if (lifetime.isZero() || lifetime.isNegative()) {
            throw new IllegalArgumentException("token lifetime must be positive: " + lifetime);
        }
        return lifetime;
    }
}
