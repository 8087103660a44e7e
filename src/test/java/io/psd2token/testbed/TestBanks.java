package io.psd2token.testbed;

/** Bank codes that the test configuration routes to a particular fault. */
public final class TestBanks {

    /** Reached through a route that presents a client certificate from an untrusted CA. */
    public static final String UNTRUSTED_CERTIFICATE = "99001";
    /** Reached through a route whose SSL context has no key-manager: no client certificate is presented. */
    public static final String NO_CLIENT_CERTIFICATE = "99002";
    /** The simulator issues MAC tokens for it when a test switches it so. */
    public static final String MAC_TOKENS = "99003";
    /** Its host matches no Elytron rule at all. */
    public static final String NO_MATCH_RULE = "99004";
    /** Routed to the QWAC of another TPP ({@link #OTHER_TPP}); only a deployment that declares it sees it. */
    public static final String OTHER_TPP_QWAC = "99005";
    /** The organizationIdentifier of that other TPP's QWAC. */
    public static final String OTHER_TPP = "PSDFR-ACPR-67890";

    /**
     * Shipped BPCE bank codes that no demo page uses, one per integration test that changes a bank's state
     * (faults, pauses, warm-up), so that one test's bank is never another's.
     */
    public static final java.util.List<String> ISOLATED = java.util.List.of("11315", "11425", "12135", "13135",
            "13335", "13485");

    private TestBanks() {
    }
}
