/**
 * Every error the library throws, in one place to catch from: {@link io.psd2token.error.BankTokenException} and
 * its subtypes, one per cause, each message saying what to fix and never holding a token. Also
 * {@link io.psd2token.error.SafeText}, how the library quotes untrusted text. Depends on nothing else of the
 * library.
 */
package io.psd2token.error;
