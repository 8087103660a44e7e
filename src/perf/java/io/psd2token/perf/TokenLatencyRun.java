package io.psd2token.perf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * P4 in one invocation: three JMH runs of {@link TokenLatencyBenchmark}, written to one JSON file
 * ({@code token-latency.json}) with a Markdown table ({@code token-latency.md}).
 *
 * <ol>
 *   <li><b>cold, warm JVM</b>: 2 forks × (20 warm-up + 100 measured) single shots, each on new objects;</li>
 *   <li><b>first in a fresh JVM</b>: 10 forks × 1 single shot, no warm-up: class loading and interpretation
 *       included, the first token a freshly started application gets (its SSL context already built);</li>
 *   <li><b>refresh</b>: sampled, 2 forks × (3 × 1 s warm-up + 5 × 2 s).</li>
 * </ol>
 * JMH runs one benchmark after the other, so on a busy machine the load may differ between the library's figure
 * and the bare one; {@link InterleavedTokenRun} then measures the cold call and both refreshes once more with the
 * two alternating call by call. The machine line records the load average over all of it.
 */
public final class TokenLatencyRun {

    private static final String CLASS = TokenLatencyBenchmark.class.getName();

    private TokenLatencyRun() {
    }

    /** Runs the three parts and writes the results. */
    public static void main(String[] args) throws Exception {
        // "quick": a smoke run of every part (1 fork, few iterations), to check the harness, not to quote.
        boolean quick = List.of(args).contains("quick");
        int forks = quick ? 1 : 2;
        List<RunResult> all = new ArrayList<>();
        List<String> md = new ArrayList<>();
        List<String> csv = new ArrayList<>(List.of("what,unit,side,p50,p90,p99,samples"));
        String line;
        try (Machine machine = Machine.sample()) {
            Collection<RunResult> cold = new Runner(new OptionsBuilder()
                    .include(CLASS + "\\.cold(Library|Bare)$")
                    .forks(forks).warmupIterations(quick ? 2 : 20).measurementIterations(quick ? 10 : 100)
                    .build()).run();
            Collection<RunResult> first = new Runner(new OptionsBuilder()
                    .include(CLASS + "\\.cold(Library|Bare)$")
                    .forks(quick ? 2 : 10).warmupIterations(0).measurementIterations(1)
                    .build()).run();
            Collection<RunResult> refresh = new Runner(new OptionsBuilder()
                    .include(CLASS + "\\.refresh.*")
                    .forks(forks).warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(2))
                    .build()).run();
            all.addAll(cold);
            all.addAll(first);
            all.addAll(refresh);
            md.add("| what | library p50 | bare p50 | library ÷ bare (p50) | library p90 / p99 | bare p90 / p99 |"
                    + " samples each |");
            md.add("|---|---:|---:|---:|---:|---:|---:|");
            md.add(row("cold, warm JVM (ms)", cold, "coldLibrary", "coldBare", csv));
            md.add(row("first in a fresh JVM (ms)", first, "coldLibrary", "coldBare", csv));
            md.add(row("refresh, new connection (µs)", refresh, "refreshLibraryNewConnection",
                    "refreshBareNewConnection", csv));
            md.add(row("refresh, pooled connection (µs)", refresh, "refreshLibraryPooled", "refreshBarePooled", csv));
            InterleavedTokenRun.run(quick, md, csv);
            line = machine.line();
        }
        md.add("");
        md.add(line);
        Path json = Machine.out("token-latency.json");
        ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(all);
        Files.write(Machine.out("token-latency.md"), md);
        Files.write(Machine.out("token-latency.csv"), csv);
        md.forEach(System.out::println);
    }

    private static String row(String what, Collection<RunResult> results, String library, String bare,
            List<String> csv) {
        Statistics l = statistics(results, library);
        Statistics b = statistics(results, bare);
        String name = what.substring(0, what.indexOf(" (")).replace(",", "");
        String unit = what.substring(what.indexOf('(') + 1, what.indexOf(')'));
        for (Object[] side : new Object[][] {{"library", l}, {"bare", b}}) {
            Statistics s = (Statistics) side[1];
            csv.add(String.format(Locale.ROOT, "%s,%s,%s,%.3f,%.3f,%.3f,%d", name, unit, side[0], s.getPercentile(50),
                    s.getPercentile(90), s.getPercentile(99), s.getN()));
        }
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | **%.2f** | %.2f / %.2f | %.2f / %.2f | %d |", what,
                l.getPercentile(50), b.getPercentile(50), l.getPercentile(50) / b.getPercentile(50),
                l.getPercentile(90), l.getPercentile(99), b.getPercentile(90), b.getPercentile(99),
                Math.min(l.getN(), b.getN()));
    }

    private static Statistics statistics(Collection<RunResult> results, String method) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no result for " + method))
                .getAggregatedResult().getPrimaryResult().getStatistics();
    }
}
