/**
 * Internal: what only WildFly provides. The SSL context Elytron assigns to a bank URI, and the managed executors the
 * token manager runs on.
 */
package io.psd2token.internal.wildfly;
