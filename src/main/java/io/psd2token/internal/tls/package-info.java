/**
 * Internal: TLS in one place. {@link io.psd2token.internal.tls.TlsProbe} makes the one bounded handshake the
 * library makes itself (to read the QWAC presented, to diagnose a vague failure);
 * {@link io.psd2token.internal.tls.TlsFailures} tells which side a TLS failure is on. A new TLS check goes here.
 */
package io.psd2token.internal.tls;
