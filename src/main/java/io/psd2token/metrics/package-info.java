/**
 * Metrics: the Micrometer binding WildFly's micrometer subsystem exports (names in docs/operations.md) and the
 * choice between it and an application's own {@link io.psd2token.token.TokenMetrics} bean.
 */
package io.psd2token.metrics;
