/**
 * Internal: the QWAC at run time. {@link io.psd2token.internal.identity.QwacWatcher} reads the certificate the
 * server presents and notices rotations; {@link io.psd2token.internal.identity.IdentityGate} checks the client_id and
 * the PSD2 roles before every token request.
 */
package io.psd2token.internal.identity;
