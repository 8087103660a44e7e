/**
 * Who the TPP is, as its eIDAS QWAC says: {@link io.psd2token.identity.TppIdentity} (organizationIdentifier, the
 * client_id; PSD2 roles; validity), read with BouncyCastle from the certificate the server presents.
 */
package io.psd2token.identity;
