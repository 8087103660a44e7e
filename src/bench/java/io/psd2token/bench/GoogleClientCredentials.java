package io.psd2token.bench;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.OAuth2Credentials;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;

/**
 * google-auth's token cache ({@link OAuth2Credentials}) fed by a client_credentials POST: the way a user of
 * google-auth gets a non-Google token into its FRESH / STALE / EXPIRED state machine.
 *
 * <p>The POST goes through the JDK {@link HttpClient} (HTTP/1.1), the same stack our manager and Spring's
 * default {@code RestClient} use, so the comparison is about caching, not about HTTP clients. The response
 * is read with Gson, which google-auth brings.
 */
final class GoogleClientCredentials extends OAuth2Credentials {

    private static final long serialVersionUID = 1L;

    private final transient HttpClient http;
    private final URI tokenUri;
    private final String form;

    /**
     * @param refreshMargin how long before expiry the token turns STALE (one caller refreshes, the others
     *        keep the old token)
     * @param expirationMargin how long before expiry the token turns EXPIRED (every caller waits)
     */
    GoogleClientCredentials(URI tokenUri, String clientId, String scope, Duration refreshMargin,
            Duration expirationMargin) {
        super(null, refreshMargin, expirationMargin);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.tokenUri = tokenUri;
        this.form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
    }

    @Override
    public AccessToken refreshAccessToken() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(tokenUri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("token endpoint answered " + response.statusCode());
        }
        JsonObject json = JsonParser.parseString(response.body()).getAsJsonObject();
        long expiresIn = json.get("expires_in").getAsLong();
        // As google-auth's own credentials do: expiry = receipt + expires_in, on the wall clock.
        return new AccessToken(json.get("access_token").getAsString(),
                new Date(System.currentTimeMillis() + expiresIn * 1000));
    }
}
