/**
 * The banks: bank codes ({@link io.psd2token.bank.Bkcode}), scopes, the directory of Groupe BPCE banks a deployment
 * serves ({@link io.psd2token.bank.BankDirectory}, injectable) and where a bank is reached
 * ({@link io.psd2token.bank.BankEndpoints}). Immutable values, checked when built: a hostile bank code never
 * reaches a URL.
 */
package io.psd2token.bank;
