/**
 * Internal: the token core. {@link io.psd2token.internal.token.TokenManager} is its face; the slots live in a
 * registry, each slot's requests in a lifecycle (single-flight, settle), the attempts in
 * {@link io.psd2token.internal.token.TokenRequests}, a token's deadlines in
 * {@link io.psd2token.internal.token.TokenDeadlines}. The token response rules are all in
 * {@link io.psd2token.internal.token.TokenResponseParser}: a new bank response rule goes there. Plain Java, tested
 * without a server.
 */
package io.psd2token.internal.token;
