package io.psd2token.http;

import java.net.URI;

/** The one HTTP exchange the token manager needs: a form POST to a bank over mutual TLS. */
@FunctionalInterface
public interface BankHttp {

    /**
     * Posts an {@code application/x-www-form-urlencoded} body and returns the answer, whatever its status.
     *
     * @param uri the bank's token endpoint, query string included when the bank wants its parameters there
     * @param formBody the encoded form body; empty when the bank wants the parameters in the query string
     * @return the bank's answer, an error status included; the caller decides what a status means
     * @throws BankUnreachableException when no answer arrived (refused, timed out, reset)
     * @throws TlsHandshakeException when the TLS handshake failed (server or client certificate)
     * @throws ResponseTooLargeException when the body exceeds the size bound
     */
    HttpReply postForm(URI uri, String formBody);
}
