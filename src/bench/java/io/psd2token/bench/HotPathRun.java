package io.psd2token.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import io.psd2token.internal.token.HotPathParts;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link HotPathBenchmark} and {@link HotPathParts} with 1 and then 2 threads in one invocation, with
 * {@code -prof gc}, and writes both into one JMH JSON file (JMH takes one thread count per run). It also
 * records the load average before and after each run next to the JSON ({@code .load.txt}), because other
 * work on the machine shows in the error bars.
 *
 * <p>Usage: {@code java -cp target/bench/benchmarks.jar io.psd2token.bench.HotPathRun [JMH options]
 * [-Dbench.out=FILE]}; JMH options such as {@code -f 1 -wi 3 -i 3} override the annotations. The default
 * output is {@code target/bench/jmh-hotpath.json}.
 */
public final class HotPathRun {

    private HotPathRun() {
    }

    /** Runs the benchmark at each thread count and writes the combined results. */
    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        Path out = Path.of(System.getProperty("bench.out", "target/bench/jmh-hotpath.json"));
        int[] threadCounts = cli.getThreads().hasValue() ? new int[] {cli.getThreads().get()} : new int[] {1, 2};
        List<RunResult> all = new ArrayList<>();
        List<String> load = new ArrayList<>();
        for (int threads : threadCounts) {
            load.add(threads + " thread(s), before: " + Files.readString(Path.of("/proc/loadavg")).trim());
            ChainedOptionsBuilder options = new OptionsBuilder().parent(cli).threads(threads);
            if (cli.getIncludes().isEmpty()) {
                options.include(HotPathBenchmark.class.getName()).include(HotPathParts.class.getName());
            }
            if (cli.getProfilers().isEmpty()) {
                options.addProfiler(GCProfiler.class);
            }
            Collection<RunResult> results = new Runner(options.build()).run();
            all.addAll(results);
            load.add(threads + " thread(s), after: " + Files.readString(Path.of("/proc/loadavg")).trim());
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        ResultFormatFactory.getInstance(ResultFormatType.JSON, out.toString()).writeOut(all);
        Files.write(Path.of(out + ".load.txt"), load);
        System.out.println("JMH results of " + threadCounts.length + " thread count(s) written to " + out);
    }
}
