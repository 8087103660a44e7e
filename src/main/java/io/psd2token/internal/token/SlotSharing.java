package io.psd2token.internal.token;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a slot of a cluster node keeps about the cluster (see {@link SharedSlots}). Made at the slot's first shared
 * event, so that a slot of a single node, and a slot nobody shares, carries one null reference instead.
 */
final class SlotSharing {

    /** Tokens taken from the cluster instead of being requested. */
    final AtomicLong installs = new AtomicLong();
    /** Tokens of this node published to the cluster. */
    final AtomicLong publishes = new AtomicLong();
    /** The cluster entry of the last token evicted here after a 403 (it holds the token: never printed). */
    volatile String rejected;
}
