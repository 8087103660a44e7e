/**
 * MicroProfile Rest Clients for a bank's STET API: {@link io.psd2token.client.BankApiClients} adds the bearer
 * token, resends once after 403 "Invalid token", and builds its clients anew after a QWAC rotation.
 */
package io.psd2token.client;
