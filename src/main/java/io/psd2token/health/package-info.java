/** MicroProfile Health checks: readiness per bank and of the QWAC, liveness of the token manager. */
package io.psd2token.health;
