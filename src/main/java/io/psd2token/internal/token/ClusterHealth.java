package io.psd2token.internal.token;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the cluster's shared state answers, as this node last saw it: one WARNING when it stops answering (the
 * node then fetches its own tokens), one INFO when it answers again, DEBUG in between. Thread-safe.
 */
final class ClusterHealth {

    // Logged under the category of SharedSlots: the one an operator turns up for the cluster.
    private static final Logger LOG = Logger.getLogger(SharedSlots.class.getName());
    // Infinispan's and JGroups' message codes (ISPN000476, JGRP000029): enough to look the failure up.
    private static final Pattern ERROR_CODE = Pattern.compile("^([A-Z]{3,10}[0-9]{3,7})");

    private final AtomicBoolean outage = new AtomicBoolean();

    /** A cluster operation succeeded. */
    void reachable() {
        if (outage.compareAndSet(true, false)) {
            LOG.info("the cluster's shared token state answers again; tokens are shared again");
        }
    }

    /** A cluster operation failed. Never logs the exception's message, which is the cache's and might quote anything. */
    void unreachable(RuntimeException e) {
        String code = "";
        Matcher m = ERROR_CODE.matcher(String.valueOf(e.getMessage()));
        if (m.find()) {
            code = " " + m.group(1);
        }
        String what = e.getClass().getName() + code;
        if (outage.compareAndSet(false, true)) {
            LOG.warning("the cluster's shared token state did not answer (" + what + "); until it does, this node"
                    + " fetches its own tokens");
        } else {
            LOG.log(Level.FINE, "the cluster's shared token state did not answer ({0})", what);
        }
    }
}
