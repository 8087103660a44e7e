package io.psd2token.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The machine line of a run: CPU count, JVM, and the 1-minute load average sampled while the run lasts, because
 * the machine is shared and its load decides how far a figure can be trusted.
 */
final class Machine implements AutoCloseable {

    private final List<Double> loads = new ArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-sampler");
        t.setDaemon(true);
        return t;
    });

    private Machine() {
    }

    /** Starts sampling the load average every 5 s. */
    static Machine sample() {
        Machine machine = new Machine();
        machine.sampler.scheduleAtFixedRate(machine::record, 0, 5, TimeUnit.SECONDS);
        return machine;
    }

    private synchronized void record() {
        loads.add(loadAverage());
    }

    /** One line: cores, JVM, OS, and the load average seen so far (min–max, and the last sample). */
    synchronized String line() {
        double min = loads.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = loads.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "nproc=%d; java %s (%s %s); %s %s; 1-min load average during the run"
                + " %.2f-%.2f (%d samples, every 5 s)", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.vendor"), System.getProperty("os.name"), System.getProperty("os.version"),
                min, max, loads.size());
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Where results go: {@code -Dperf.out}, else {@code target/perf}. */
    static Path out(String file) {
        Path dir = Path.of(System.getProperty("perf.out", "target/perf"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve(file);
    }

    @Override
    public void close() {
        record();
        sampler.shutdownNow();
    }
}
