package io.psd2token;

import io.psd2token.identity.TppIdentity;

/**
 * CDI event fired when the QWAC that Elytron presents has changed (a rotation on the server): tokens
 * obtained with the old certificate have been dropped; holders of TLS connections should drop theirs.
 *
 * @param previous the identity read before, if any
 * @param current the identity now presented
 */
public record QwacRotated(TppIdentity previous, TppIdentity current) {
}
