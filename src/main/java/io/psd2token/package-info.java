/**
 * The entry point: {@link io.psd2token.BankTokens}, the CDI bean an application injects to get a bank's token,
 * and {@link io.psd2token.QwacRotated}, the event fired when the server's QWAC changes. The start-up wiring
 * (configuration, checks, executors, Elytron) sits beside it, package-private.
 *
 * <p>Layers (docs/architecture.md): the API ({@code error}, {@code bank}, {@code token}, {@code identity}) is plain
 * Java; the core ({@code internal.*} but {@code internal.wildfly}) depends only on the API; this package and the
 * other server-facing ones ({@code client}, {@code health}, {@code metrics}, {@code web}, {@code internal.wildfly})
 * bind the core to WildFly. ArchitectureTest keeps it so.
 */
package io.psd2token;
