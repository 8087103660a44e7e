package io.psd2token.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs every {@link TokenStorm} (contender × cold/refresh × 50 ms/2 s × back-to-back/paced), each in a fresh
 * JVM with the same flags, contenders interleaved so that machine drift hits all alike, and writes one CSV.
 *
 * <p>Usage: {@code java -cp target/bench/benchmarks.jar io.psd2token.bench.StormSuite}; system properties:
 * {@code storm.out} (default {@code target/bench/storm.csv}), {@code storm.repeats} (back-to-back runs per
 * case, default 3; the paced run is done once), {@code storm.delays} (default {@code 50,2000}),
 * {@code storm.contenders} (default {@code ours,spring,google}), {@code storm.skipDiagnosis} (skip the
 * extra runs of ours with {@code -XX:PerMethodTrapLimit=0}, labelled {@code ours-notrap}). About 13 minutes
 * with the defaults.
 */
public final class StormSuite {

    /**
     * The same for every storm JVM: a fixed heap, so GC counts compare, and the callers' loop kept from
     * inlining the contender's call (see {@code TokenStorm.Caller.oneCall}); {@code -Dstorm.inline=true}
     * lets the JIT inline it.
     */
    static final List<String> JVM_FLAGS = Boolean.getBoolean("storm.inline")
            ? List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC")
            : List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:CompileCommand=quiet",
                    "-XX:CompileCommand=dontinline,io.psd2token.bench.TokenStorm$Caller::oneCall");
    private static final long STORM_TIMEOUT_SECONDS = 120;

    private StormSuite() {
    }

    /** Runs the storms and writes the CSV. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(System.getProperty("storm.out", "target/bench/storm.csv"));
        int repeats = Integer.getInteger("storm.repeats", 3);
        String[] delays = System.getProperty("storm.delays", "50,2000").split(",");
        String[] contenders = System.getProperty("storm.contenders", "ours,spring,google").split(",");
        List<String> rows = new ArrayList<>();
        rows.add(TokenStorm.CSV_HEADER);
        for (String delay : delays) {
            for (String scenario : List.of("cold", "refresh")) {
                for (String mode : List.of("b2b", "paced")) {
                    int runs = mode.equals("b2b") ? repeats : 1;
                    for (int run = 1; run <= runs; run++) {
                        for (String contender : contenders) {
                            String row = runOne(contender, scenario, delay, mode, run, List.of());
                            System.out.println(row);
                            rows.add(row);
                            Files.createDirectories(out.toAbsolutePath().getParent());
                            Files.write(out, rows, StandardCharsets.UTF_8); // partial results survive an abort
                        }
                    }
                }
            }
        }
        if (!Boolean.getBoolean("storm.skipDiagnosis") && List.of(contenders).contains("ours")) {
            // Diagnosis: ours across a refresh with C2's uncommon traps for never-taken branches switched off
            // (-XX:PerMethodTrapLimit=0), to show what the deoptimisation at the first stale token costs.
            for (String delay : delays) {
                String row = runOne("ours", "refresh", delay, "paced", 1,
                        List.of("-XX:PerMethodTrapLimit=0", "-Dstorm.label=ours-notrap"));
                System.out.println(row);
                rows.add(row);
                Files.write(out, rows, StandardCharsets.UTF_8);
            }
        }
        System.out.println("storm results written to " + out);
    }

    private static String runOne(String contender, String scenario, String delay, String mode, int run,
            List<String> extraFlags) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.addAll(extraFlags);
        command.add("-Dstorm.callers=" + Integer.getInteger("storm.callers", 1000));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TokenStorm.class.getName());
        command.addAll(List.of(contender, scenario, delay, mode, Integer.toString(run)));
        // Output to a file, so that a storm that hangs is ended by the timeout instead of blocking a read.
        Path output = Files.createTempFile("storm-", ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectOutput(output.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(STORM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            String result = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith("RESULT,"))
                    .map(line -> line.substring("RESULT,".length()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("storm " + String.join(" ", command.subList(
                            command.size() - 5, command.size())) + " gave no result (exit " + p.exitValue() + ")"));
            return result;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
