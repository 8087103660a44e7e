package io.psd2token.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
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
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

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

    // Bounds the memory of issuedTokenValues() in a long-running simulator (the demo); tests issue far fewer.
    private static final int MAX_RECORDED_TOKENS = 100_000;
    // How long a connection fault's TLS handshake or a relay waits on a silent peer before giving up.
    private static final int DOOR_TIMEOUT_MILLIS = 10_000;
    // IMF-fixdate (RFC 9110 §5.6.7), the HTTP-date form a sender must generate.
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

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
        INVALID_TOKEN_STORM(Where.PAYMENT_ENDPOINT);

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

    /** A fault switched on for a bank: for ever ({@code remaining} null) or for a number of occurrences. */
    private record FaultSetting(Fault fault, AtomicInteger remaining) {
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
        volatile java.math.BigInteger lastClientCertificateSerial;
        final AtomicInteger paymentRequests = new AtomicInteger();
        final AtomicInteger invalidTokenResponses = new AtomicInteger();
        volatile String tokenType = DEFAULT_TOKEN_TYPE;
        volatile ExpiresInStyle expiresInStyle = ExpiresInStyle.STRING;
        // Written under this object's monitor (which also wakes answers waiting for the fault to change).
        volatile FaultSetting fault;
        // Bumped by every explicit change of the fault; a hanging answer ends when it moves. Guarded by this.
        long faultGeneration;
        // The bank's own port, opened on first use. Guarded by this.
        Door door;

        BankState(String code) {
            this.code = code;
        }

        /** The fault acting at {@code where} for one occurrence, or null; a counted fault ends with its last one. */
        Fault take(Fault.Where where) {
            FaultSetting setting = fault;
            if (setting == null || setting.fault().where() != where) {
                return null;
            }
            if (setting.remaining() == null) {
                return setting.fault();
            }
            while (true) {
                int left = setting.remaining().get();
                if (left <= 0) {
                    return null;
                }
                if (setting.remaining().compareAndSet(left, left - 1)) {
                    if (left == 1) {
                        synchronized (this) {
                            if (fault == setting) {
                                fault = null;
                            }
                        }
                    }
                    return setting.fault();
                }
            }
        }

        synchronized long generation() {
            return faultGeneration;
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
    // The server key, shared by the connection faults that present the bank's real certificate.
    private final KeyManager[] serverKeyManagers;
    // Threads of the dedicated ports: acceptors, relays and connection faults.
    private final ExecutorService doorThreads;
    private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
    private FaultCertificates faultCertificates; // guarded by this, made on first use

    private BankSimulator(Settings settings, HttpsServer server, ExecutorService executor,
            KeyManager[] serverKeyManagers) {
        this.settings = settings;
        this.server = server;
        this.executor = executor;
        this.serverKeyManagers = serverKeyManagers;
        AtomicInteger doorThreadNumber = new AtomicInteger();
        this.doorThreads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "bank-simulator-door-" + doorThreadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        Map<String, BankState> states = new LinkedHashMap<>();
        settings.bankCodes().forEach(code -> states.put(code, new BankState(code)));
        this.banks = Map.copyOf(states);
        this.qtspAnchor = new TrustAnchor(settings.trustedQtspCa(), null);
        this.tokenLifetime = settings.tokenLifetime();
    }

    /** Starts a simulator listening for HTTPS with mandatory client certificates. */
    public static BankSimulator start(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        KeyManager[] keyManagers = serverKeyManagers(settings);
        SSLContext sslContext = serverSslContext(keyManagers, new AnyClientChainTrustManager());
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
        BankSimulator simulator = new BankSimulator(settings, server, executor, keyManagers);
        server.createContext("/", simulator::handle);
        server.start();
        return simulator;
    }

    /** Stops listening, drops open connections and ends the worker threads. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (BankState bank : banks.values()) {
                synchronized (bank) {
                    // Ends answers waiting for a fault to change.
                    bank.notifyAll();
                    if (bank.door != null) {
                        bank.door.close();
                    }
                }
            }
            server.stop(0);
            doorThreads.shutdownNow();
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

    /**
     * Puts counters, tokens, per-bank switches, faults and the token lifetime back to their starting state.
     * {@link #issuedTokenValues()} is kept: a leak check must also see the tokens issued before a reset.
     */
    public void reset() {
        banks.values().forEach(bank -> {
            bank.reset();
            changeFault(bank, null);
        });
        tokenLifetime = settings.tokenLifetime();
    }

    /** Switches a fault on for the bank until it is cleared or replaced; see {@link Fault}. */
    public void setFault(String bkcode, Fault fault) {
        changeFault(bank(bkcode), new FaultSetting(Objects.requireNonNull(fault, "fault"), null));
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
        changeFault(bank(bkcode), new FaultSetting(fault, new AtomicInteger(times)));
    }

    /** Switches the bank's fault off: it answers normally again, and answers left hanging by the fault end. */
    public void clearFault(String bkcode) {
        changeFault(bank(bkcode), null);
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
        return URI.create("https://localhost:" + door(bank(bkcode)).port);
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
        return Set.copyOf(issuedTokens);
    }

    /**
     * Returns the CA that issued the certificate of {@link Fault#SERVER_CERTIFICATE_FOR_ANOTHER_HOST}. A client
     * must trust it, beside the bank server CA, to see that fault as a host-name mismatch rather than as an
     * unknown issuer (the bank server CA's key is not available to the simulator).
     */
    public X509Certificate otherHostCa() {
        return faultCertificates().otherHostCa;
    }

    /** The CA {@link Fault#CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED} asks client certificates to come from. */
    public X509Certificate requestedCa() {
        return faultCertificates().requestedCa;
    }

    private void changeFault(BankState bank, FaultSetting setting) {
        synchronized (bank) {
            bank.fault = setting;
            bank.faultGeneration++;
            bank.notifyAll();
            if (setting != null && setting.fault() == Fault.CONNECTION_REFUSED) {
                door(bank).refuse();
            } else if (bank.door != null) {
                bank.door.admit();
            }
            if (setting != null && setting.fault().where() == Fault.Where.CONNECTION && bank.door != null) {
                // Connections opened before the fault must not let a client around it.
                bank.door.dropConnections();
            }
        }
    }

    /** Waits until the bank's fault changes explicitly or the simulator closes; false if it did within the wait. */
    private boolean sleepUnlessFaultChanges(BankState bank, long generation, Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        synchronized (bank) {
            try {
                while (!closed.get() && bank.faultGeneration == generation) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    TimeUnit.NANOSECONDS.timedWait(bank, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    private void awaitFaultChange(BankState bank, long generation) {
        while (sleepUnlessFaultChanges(bank, generation, Duration.ofSeconds(1))) {
            // Still the same fault: keep hanging.
        }
    }

    private Door door(BankState bank) {
        synchronized (bank) {
            if (closed.get()) {
                throw new IllegalStateException("the simulator is closed");
            }
            if (bank.door == null) {
                try {
                    bank.door = new Door(bank);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot open a port for bank " + bank.code, e);
                }
            }
            return bank.door;
        }
    }

    private String recordIssued(String token) {
        if (issuedTokens.size() < MAX_RECORDED_TOKENS) {
            issuedTokens.add(token);
        }
        return token;
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
        // See the class comment: one connection per token request.
        exchange.getResponseHeaders().set("Connection", "close");
        long generation = bank.generation();
        Fault fault = bank.take(Fault.Where.TOKEN_ENDPOINT);
        if (fault != null) {
            LOG.log(Level.FINE, "bank {0}: token request answered with fault {1}", new Object[] { bank.code, fault });
            // The request is read whatever the answer, as a bank's front end would before failing.
            exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
            answerWithFault(exchange, bank, fault, generation);
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
        Duration lifetime = tokenLifetime;
        String token = liveToken(bank, newToken(), lifetime);

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
        if (bank.take(Fault.Where.PAYMENT_ENDPOINT) == Fault.INVALID_TOKEN_STORM) {
            bank.invalidTokenResponses.incrementAndGet();
            LOG.log(Level.FINE, "bank {0}: payment request refused, invalid token storm", bank.code);
            sendJson(exchange, 403, error("invalid_token", "Invalid token"), Map.of());
            return;
        }
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

    /** Registers a token the bank stands by: it works at the payment API until it expires. */
    private String liveToken(BankState bank, String token) {
        return liveToken(bank, token, tokenLifetime);
    }

    private String liveToken(BankState bank, String token, Duration lifetime) {
        Instant now = settings.clock().instant();
        // Drop expired tokens here so long-running simulators do not grow without bound.
        bank.tokenExpiries.values().removeIf(expiry -> !expiry.isAfter(now));
        bank.tokenExpiries.put(token, now.plus(lifetime));
        bank.tokensIssued.incrementAndGet();
        return recordIssued(token);
    }

    /** A token written into a broken answer: listed for leak checks, refused by the payment API. */
    private String deadToken() {
        return recordIssued(newToken());
    }

    private void answerWithFault(HttpExchange exchange, BankState bank, Fault fault, long generation)
            throws IOException {
        String lifetime = Long.toString(tokenLifetime.toSeconds());
        switch (fault) {
            case ACCEPT_THEN_HANG -> awaitFaultChange(bank, generation);
            case CLOSE_WITHOUT_ANSWER -> {
                // Returning without an answer makes the server close the connection.
            }
            case SLOW_DRIP_BODY -> drip(exchange, bank, generation,
                    tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime));
            case TRUNCATED_BODY -> {
                byte[] body = bytes(tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime));
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                OutputStream out = exchange.getResponseBody();
                out.write(body, 0, body.length / 2);
                out.flush();
                // Closing short of the announced length makes the server drop the connection.
                exchange.close();
            }
            case INTERNAL_SERVER_ERROR -> sendJson(exchange, 500,
                    error("server_error", "unexpected condition"), Map.of());
            case BAD_GATEWAY_HTML -> sendText(exchange, 502, "text/html; charset=utf-8",
                    "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
                    Map.of());
            case SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS -> sendJson(exchange, 503,
                    error("temporarily_unavailable", "maintenance in progress"),
                    Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
            case TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS -> sendJson(exchange, 429,
                    error("too_many_requests", "slow down"),
                    Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)));
            case TOO_MANY_REQUESTS_RETRY_AFTER_DATE -> sendJson(exchange, 429,
                    error("too_many_requests", "slow down"), Map.of("Retry-After", HTTP_DATE.format(
                            settings.clock().instant().plus(RETRY_AFTER_DATE_DELAY).truncatedTo(ChronoUnit.SECONDS))));
            case INVALID_REQUEST -> sendJson(exchange, 400,
                    error("invalid_request", "the request is missing a required parameter"), Map.of());
            case INVALID_CLIENT -> sendJson(exchange, 401,
                    error("invalid_client", "client authentication failed"), Map.of());
            case REDIRECT -> {
                exchange.getResponseHeaders().set("Location", "https://attacker.invalid" + TOKEN_PATH);
                exchange.sendResponseHeaders(302, -1);
            }
            case MALFORMED_JSON -> {
                String json = tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime).build().toString();
                sendText(exchange, 200, "application/json", json.substring(0, json.length() - 1) + ",\"scope\":",
                        Map.of());
            }
            case EMPTY_BODY -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, -1);
            }
            case HTML_BODY -> sendText(exchange, 200, "text/html; charset=utf-8",
                    "<!DOCTYPE html><html><body><p>Service en maintenance. access_token=" + deadToken()
                            + "</p></body></html>", Map.of());
            case OVERSIZED_BODY -> sendOversized(exchange, false);
            case OVERSIZED_CHUNKED_BODY -> sendOversized(exchange, true);
            case MISSING_ACCESS_TOKEN -> sendJson(exchange, 200, Json.createObjectBuilder()
                    .add("token_type", DEFAULT_TOKEN_TYPE).add("expires_in", lifetime).add("scope", DEFAULT_SCOPE)
                    .build(), Map.of());
            case MISSING_TOKEN_TYPE -> sendJson(exchange, 200, Json.createObjectBuilder()
                    .add("access_token", deadToken()).add("expires_in", lifetime).add("scope", DEFAULT_SCOPE)
                    .build(), Map.of());
            case MAC_TOKEN_TYPE -> sendJson(exchange, 200, tokenJson(deadToken(), "MAC").add("expires_in", lifetime)
                    .add("mac_key", newToken()).add("mac_algorithm", "hmac-sha-256").build(), Map.of());
            case EXPIRES_IN_NEGATIVE -> sendJson(exchange, 200,
                    tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", -3600).build(), Map.of());
            case EXPIRES_IN_ZERO -> sendJson(exchange, 200,
                    tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", 0).build(), Map.of());
            case EXPIRES_IN_NOT_NUMERIC -> sendJson(exchange, 200,
                    tokenJson(deadToken(), DEFAULT_TOKEN_TYPE).add("expires_in", "one hour").build(), Map.of());
            case EXPIRES_IN_HUGE -> sendJson(exchange, 200, tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE)
                    .add("expires_in", BigInteger.TEN.pow(20)).build(), Map.of());
            case EXPIRES_IN_HUGE_STRING -> sendJson(exchange, 200,
                    tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE)
                            .add("expires_in", BigInteger.TEN.pow(20).toString()).build(), Map.of());
            case TEXT_PLAIN_JSON -> sendText(exchange, 200, "text/plain; charset=utf-8",
                    tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime).build()
                            .toString(), Map.of());
            case ACCESS_TOKEN_WITH_CONTROL_CHARACTERS -> sendJson(exchange, 200,
                    tokenJson(deadToken() + "\r\nX-Injected: yes", DEFAULT_TOKEN_TYPE).add("expires_in", lifetime)
                            .build(), Map.of());
            case LONG_JWT_ACCESS_TOKEN -> sendJson(exchange, 200,
                    tokenJson(liveToken(bank, longJwtLikeToken()), DEFAULT_TOKEN_TYPE).add("expires_in", lifetime)
                            .build(), Map.of());
            case EXTRA_FIELDS -> sendJson(exchange, 200, tokenJson(liveToken(bank, newToken()), DEFAULT_TOKEN_TYPE)
                    .add("expires_in", lifetime)
                    .add("consented_on", 1_767_225_600L)
                    .add("refresh_token_expires_in", 0)
                    .add("id_token", JsonValue.NULL)
                    .add("psd2_roles", Json.createArrayBuilder().add("PSP_PI").add("PSP_AI"))
                    .add("x_bank", Json.createObjectBuilder().add("bkcode", bank.code).add("beta", true)
                            .add("limits", Json.createArrayBuilder().add(1).add(2.5)))
                    .build(), Map.of());
            default -> throw new IllegalStateException("not a token endpoint fault: " + fault);
        }
    }

    private JsonObjectBuilder tokenJson(String token, String tokenType) {
        return Json.createObjectBuilder().add("access_token", token).add("token_type", tokenType)
                .add("scope", DEFAULT_SCOPE);
    }

    private static byte[] bytes(JsonObjectBuilder json) {
        return json.build().toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the headers at once, then the body a byte per {@link #DRIP_INTERVAL} until done or the fault changes. */
    private void drip(HttpExchange exchange, BankState bank, long generation, JsonObjectBuilder json)
            throws IOException {
        byte[] body = bytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        OutputStream out = exchange.getResponseBody();
        out.flush();
        for (byte b : body) {
            if (!sleepUnlessFaultChanges(bank, generation, DRIP_INTERVAL)) {
                // Cut short of the announced length: the server drops the connection.
                exchange.close();
                return;
            }
            out.write(b);
            out.flush();
        }
        out.close();
    }

    /** A JSON body of {@link #OVERSIZED_BODY_BYTES} carrying a token, written until done or the client hangs up. */
    private void sendOversized(HttpExchange exchange, boolean chunked) throws IOException {
        byte[] head = ("{\"access_token\":\"" + deadToken() + "\",\"token_type\":\"Bearer\",\"padding\":\"")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, chunked ? 0 : OVERSIZED_BODY_BYTES);
        byte[] filler = new byte[16 * 1024];
        Arrays.fill(filler, (byte) 'x');
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(head);
            long left = OVERSIZED_BODY_BYTES - head.length - tail.length;
            while (left > 0) {
                int n = (int) Math.min(filler.length, left);
                out.write(filler, 0, n);
                left -= n;
            }
            out.write(tail);
        }
    }

    /** A JWT-like token (header.payload.signature, base64url) of exactly {@link #LONG_TOKEN_LENGTH} characters. */
    private static String longJwtLikeToken() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"bank-simulator\"}"
                .getBytes(StandardCharsets.UTF_8));
        byte[] signatureBytes = new byte[256];
        RANDOM.nextBytes(signatureBytes);
        String signature = b64.encodeToString(signatureBytes);
        int payloadLength = LONG_TOKEN_LENGTH - header.length() - signature.length() - 2;
        StringBuilder claims = new StringBuilder("{\"jti\":\"").append(newToken())
                .append("\",\"iss\":\"https://www.89c3.example\",\"scope\":\"pisp\",\"pad\":\"");
        String payload = b64.encodeToString(claims.append("x".repeat(payloadLength)).append("\"}").toString()
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + payload.substring(0, payloadLength) + "." + signature;
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
        sendText(exchange, status, "application/json", body.toString(), headers);
    }

    private static void sendText(HttpExchange exchange, int status, String contentType, String body,
            Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Headers responseHeaders = exchange.getResponseHeaders();
        responseHeaders.set("Content-Type", contentType);
        headers.forEach(responseHeaders::set);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static KeyManager[] serverKeyManagers(Settings settings) {
        char[] password = settings.serverKeyStorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(settings.serverKeyStore())) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, password);
            return keyManagers.getKeyManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the server key store " + settings.serverKeyStore(), e);
        }
    }

    private static SSLContext serverSslContext(KeyManager[] keyManagers, TrustManager clientChecks) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] { clientChecks }, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a server SSL context", e);
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
     * A bank's own port, as each real bank has its own host. It relays every connection, bytes untouched, to the
     * shared HTTPS server (so TLS and the client certificate check stay end to end), unless the bank is in a
     * connection fault: then it plays the fault itself.
     */
    private final class Door {

        final BankState bank;
        final int port;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private ServerSocket listener; // guarded by bank; null while connections are refused

        Door(BankState bank) throws IOException {
            this.bank = bank;
            this.listener = listen(0);
            this.port = listener.getLocalPort();
            acceptOn(listener);
        }

        private ServerSocket listen(int onPort) throws IOException {
            ServerSocket socket = new ServerSocket();
            // The port is re-bound after CONNECTION_REFUSED; connections of before may still be in TIME_WAIT.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), onPort), 50);
            return socket;
        }

        private void acceptOn(ServerSocket socket) {
            doorThreads.execute(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket client = socket.accept();
                        sockets.add(client);
                        doorThreads.execute(() -> serve(client));
                    } catch (IOException | RuntimeException e) {
                        // Closed (refused fault or close()) ends the loop; anything else is retried.
                    }
                }
            });
        }

        /** Closes the listener: connections are refused until {@link #admit()}. Called under the bank's lock. */
        void refuse() {
            if (listener != null) {
                closeQuietly(listener);
                listener = null;
            }
        }

        /** Listens again on the same port. Called under the bank's lock. */
        void admit() {
            if (listener == null && !closed.get()) {
                try {
                    listener = listen(port);
                    acceptOn(listener);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot listen again on port " + port + " of bank " + bank.code, e);
                }
            }
        }

        void dropConnections() {
            for (Socket socket : sockets) {
                closeQuietly(socket);
                sockets.remove(socket);
            }
        }

        void close() {
            refuse();
            dropConnections();
        }

        private void serve(Socket client) {
            long generation = bank.generation();
            Fault fault = bank.take(Fault.Where.CONNECTION);
            try {
                if (fault == null) {
                    relay(client);
                    return;
                }
                LOG.log(Level.FINE, "bank {0}: connection answered with fault {1}", new Object[] { bank.code, fault });
                switch (fault) {
                    case CONNECTION_RESET -> client.setSoLinger(true, 0);
                    case SILENT_AFTER_CONNECT -> awaitFaultChange(bank, generation);
                    default -> failHandshake(client, fault);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "bank {0}: dedicated port connection ended: {1}",
                        new Object[] { bank.code, e.toString() });
            } finally {
                closeQuietly(client);
                sockets.remove(client);
            }
        }

        private void relay(Socket client) throws IOException {
            Socket upstream = new Socket();
            sockets.add(upstream);
            try {
                InetAddress address = server.getAddress().getAddress();
                upstream.connect(new InetSocketAddress(address.isAnyLocalAddress()
                        ? InetAddress.getLoopbackAddress() : address, port()), DOOR_TIMEOUT_MILLIS);
                doorThreads.execute(() -> pump(client, upstream));
                pump(upstream, client);
            } finally {
                closeQuietly(upstream);
                sockets.remove(upstream);
            }
        }

        /** Copies until either side ends, then closes both, which ends the other direction's pump too. */
        private void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // A side closed or reset: the exchange is over either way.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }

        /** Plays a TLS fault as the server side of the handshake, which the client is expected to fail. */
        private void failHandshake(Socket client, Fault fault) throws IOException {
            FaultCertificates certificates = faultCertificates();
            SSLContext context = switch (fault) {
                case UNTRUSTED_SERVER_CERTIFICATE -> certificates.untrusted;
                case SERVER_CERTIFICATE_FOR_ANOTHER_HOST -> certificates.otherHost;
                case CLIENT_CERTIFICATE_REFUSED_BY_TLS -> serverSslContext(serverKeyManagers,
                        new AnyClientChainTrustManager(true));
                case TLS_PROTOCOL_MISMATCH, TLS_NO_COMMON_CIPHER_SUITE -> serverSslContext(serverKeyManagers,
                        new AnyClientChainTrustManager());
                case CLIENT_CERTIFICATE_FROM_OTHER_CA_REQUESTED -> serverSslContext(serverKeyManagers,
                        new AnyClientChainTrustManager(false, certificates.requestedCa));
                default -> throw new IllegalStateException("not a TLS fault: " + fault);
            };
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(client, null, true);
            tls.setUseClientMode(false);
            tls.setNeedClientAuth(true);
            switch (fault) {
                // Disabled in every current JDK: the server cannot negotiate it and hangs up on the hello.
                case TLS_PROTOCOL_MISMATCH -> tls.setEnabledProtocols(new String[] { "TLSv1.1" });
                case TLS_NO_COMMON_CIPHER_SUITE -> {
                    // An RSA suite with an EC key: no suite is usable, the server sends handshake_failure.
                    tls.setEnabledProtocols(new String[] { "TLSv1.2" });
                    tls.setEnabledCipherSuites(new String[] { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" });
                }
                default -> tls.setEnabledProtocols(TLS_PROTOCOLS);
            }
            tls.setSoTimeout(DOOR_TIMEOUT_MILLIS);
            try {
                tls.startHandshake();
                // A client that accepted the handshake gets nothing more: read until it gives up.
                tls.getInputStream().transferTo(OutputStream.nullOutputStream());
            } finally {
                tls.close();
            }
        }
    }

    /** Certificates the connection faults present, made on first use. */
    private synchronized FaultCertificates faultCertificates() {
        if (faultCertificates == null) {
            faultCertificates = new FaultCertificates();
        }
        return faultCertificates;
    }

    /** A localhost certificate from a CA nobody trusts; one for another host from a CA a client may trust. */
    private static final class FaultCertificates {

        final SSLContext untrusted;
        final SSLContext otherHost;
        final X509Certificate otherHostCa;
        final X509Certificate requestedCa;

        FaultCertificates() {
            TestPki.IssuedCertificate unknownCa = TestPki.createRootCa("CN=Unknown Bank Server CA");
            TestPki.IssuedCertificate otherCa = TestPki.createRootCa("CN=Other Host Bank Server CA");
            this.otherHostCa = otherCa.certificate();
            this.requestedCa = TestPki.createRootCa("CN=Other QTSP CA").certificate();
            this.untrusted = context(issueServerCertificate(unknownCa, "localhost", true));
            this.otherHost = context(issueServerCertificate(otherCa, OTHER_HOST, false));
        }

        private static SSLContext context(TestPki.IssuedCertificate server) {
            try {
                char[] password = new char[0];
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(null, null);
                keyStore.setKeyEntry("server", server.privateKey(), password,
                        server.chain().toArray(new Certificate[0]));
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(keyStore, password);
                return serverSslContext(keys.getKeyManagers(), new AnyClientChainTrustManager());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot make a fault SSL context", e);
            }
        }

        /** A TLS server certificate for {@code dnsName} (and 127.0.0.1 if {@code loopbackIp}), issued by {@code ca}. */
        private static TestPki.IssuedCertificate issueServerCertificate(TestPki.IssuedCertificate ca, String dnsName,
                boolean loopbackIp) {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                KeyPair keyPair = generator.generateKeyPair();
                Instant now = Instant.now();
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(),
                        new BigInteger(63, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                        Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + dnsName), keyPair.getPublic());
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                GeneralName dns = new GeneralName(GeneralName.dNSName, dnsName);
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(loopbackIp
                        ? new GeneralName[] { dns, new GeneralName(GeneralName.iPAddress, "127.0.0.1") }
                        : new GeneralName[] { dns }));
                X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(
                        new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())));
                List<X509Certificate> chain = new ArrayList<>();
                chain.add(certificate);
                chain.addAll(ca.chain());
                return new TestPki.IssuedCertificate(keyPair.getPrivate(), certificate, chain);
            } catch (Exception e) {
                throw new IllegalStateException("cannot issue a fault server certificate", e);
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing is best effort: the peer may have gone already.
        }
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

        // True for a bank whose TLS front end does not accept the QWAC: every client chain is refused.
        private final boolean refuseAll;
        // The CAs named in the certificate request: none (any issuer) unless a fault names one.
        private final X509Certificate[] named;

        AnyClientChainTrustManager() {
            this(false);
        }

        AnyClientChainTrustManager(boolean refuseAll) {
            this(refuseAll, null);
        }

        AnyClientChainTrustManager(boolean refuseAll, X509Certificate named) {
            this.refuseAll = refuseAll;
            this.named = named == null ? new X509Certificate[0] : new X509Certificate[] {named};
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (refuseAll) {
                throw new CertificateException("the bank's TLS front end refuses this client certificate");
            }
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
            return named.clone();
        }
    }
}
