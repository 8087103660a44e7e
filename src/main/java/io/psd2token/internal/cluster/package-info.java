/**
 * Internal: the seam through which the nodes of a cluster share tokens. {@link
 * io.psd2token.internal.cluster.SharedTokens} is a replicated map of strings with per-entry lifespans, reduced to
 * the five operations the token core needs; {@link io.psd2token.internal.cluster.SharedTokens#LOCAL} shares
 * nothing (one node, today's behaviour). The core decides what goes in it; the server's implementation (an
 * Infinispan cache) lives in the glue. Plain Java.
 */
package io.psd2token.internal.cluster;
