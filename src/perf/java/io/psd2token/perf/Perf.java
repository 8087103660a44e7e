package io.psd2token.perf;

import java.util.Arrays;

/**
 * Entry point of {@code mvn -Pperf verify -Dperf=NAME}: runs one of the end-to-end measurements of
 * docs/performance.md and leaves its results in {@code target/perf/}.
 *
 * <ul>
 *   <li>{@code api}: {@link ApiOverheadRun}, a bank API call through {@code BankApiClients} against the same call
 *       with a hard-coded token, under load on WildFly (fixed ports: serialise it with other WildFly runs on the machine)</li>
 *   <li>{@code token}: {@link TokenLatencyRun}, the first token and a refresh over mutual TLS against a bare
 *       JDK {@code HttpClient} POST (JMH)</li>
 *   <li>{@code memory}: {@link TokenMemoryRun}, retained heap per cached token</li>
 *   <li>{@code report}: {@link EndToEndReport}, the plot docs/performance-end-to-end.png from the results</li>
 * </ul>
 */
public final class Perf {

    private Perf() {
    }

    /** Runs the measurement named by the first argument with the remaining ones. */
    public static void main(String[] args) throws Exception {
        String name = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (name) {
            case "api" -> ApiOverheadRun.main(rest);
            case "token" -> TokenLatencyRun.main(rest);
            case "memory" -> TokenMemoryRun.main(rest);
            case "report" -> EndToEndReport.main(rest);
            default -> {
                System.err.println("unknown measurement '" + name + "': use -Dperf=api, token, memory or report");
                System.exit(2);
            }
        }
    }
}
