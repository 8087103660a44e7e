/**
 * Internal: the one HTTP exchange of the core, a form POST to a bank over mutual TLS
 * ({@link io.psd2token.internal.http.BankHttp}), asynchronous, bounded in time and size, with its failures turned
 * into typed errors; and {@code Retry-After}.
 */
package io.psd2token.internal.http;
