/**
 * Internal: the configuration contract. Every MicroProfile Config key is a {@link io.psd2token.internal.config.Key}
 * constant of {@link io.psd2token.internal.config.Psd2Keys} (type, default, range);
 * {@link io.psd2token.internal.config.Psd2Config} reads them all through one problem collector, so every invalid
 * value joins the single start-up report. A new key goes here, and into docs/configuration.md (a test checks).
 */
package io.psd2token.internal.config;
