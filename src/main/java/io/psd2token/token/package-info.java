/**
 * Tokens as an application sees them: {@link io.psd2token.token.AccessToken} (its {@code toString()} hides the
 * token), {@link io.psd2token.token.TokenState} for monitoring, and the two things an application may provide as
 * CDI beans: a {@link io.psd2token.token.TokenClock} (tests) and a {@link io.psd2token.token.TokenMetrics} binding.
 */
package io.psd2token.token;
