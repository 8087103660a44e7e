package io.psd2token.internal.http;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * The one HTTP exchange the token manager needs: a form POST to a bank over mutual TLS, asynchronous so that
 * no thread waits while a bank takes its time.
 */
@FunctionalInterface
public interface BankHttp {

    /**
     * Posts an {@code application/x-www-form-urlencoded} body; the answer arrives later, whatever its status.
     *
     * @param uri the bank's token endpoint, query string included when the bank wants its parameters there
     * @param formBody the encoded form body; empty when the bank wants the parameters in the query string
     * @return the bank's answer, an error status included; completed exceptionally with
     *         {@link io.psd2token.error.BankUnreachableException} when no answer arrived (refused, timed out,
     *         reset), {@link io.psd2token.error.TlsHandshakeException} when the TLS handshake failed,
     *         {@link io.psd2token.error.ResponseTooLargeException} when the body exceeds the size bound
     */
    CompletableFuture<HttpReply> postForm(URI uri, String formBody);
}
