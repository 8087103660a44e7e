package io.psd2token.perf;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import javax.imageio.ImageIO;

/**
 * Draws docs/performance-end-to-end.png (Java2D, as the P1/P2 plot is drawn) from the CSV files the P3, P4 and P5
 * runs leave in {@code target/perf/}: {@code api-overhead.csv}, {@code token-latency.csv}, {@code token-memory.csv}.
 * A panel whose file is missing says so instead of a chart.
 *
 * <p>Usage: {@code mvn -Pperf verify -Dperf=report [-Dperf.args=PNG]}; default {@code docs/performance-end-to-end.png}.
 */
public final class EndToEndReport {

    private static final int WIDTH = 1500;
    private static final int HEIGHT = 560;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color LIBRARY = new Color(0x1f77b4);
    private static final Color BARE = new Color(0x7f7f7f);
    private static final Color GOAL = new Color(0xd62728);

    private EndToEndReport() {
    }

    /** Writes the plot. */
    public static void main(String[] args) throws IOException {
        Path png = Path.of(args.length > 0 ? args[0] : "docs/performance-end-to-end.png");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int w = WIDTH / 3;
        apiPanel(g, rows(Machine.out("api-overhead.csv")), 0, 0, w, HEIGHT);
        tokenPanel(g, rows(Machine.out("token-latency.csv")), w, 0, w, HEIGHT);
        memoryPanel(g, rows(Machine.out("token-memory.csv")), 2 * w, 0, w, HEIGHT);
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(image, "png", png.toFile());
        System.out.println("plot written to " + png);
    }

    /** A CSV file as rows of column name → value; empty when the file is missing. */
    static List<Map<String, String>> rows(Path csv) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        if (!Files.exists(csv)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length && i < f.length; i++) {
                row.put(header[i], f[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static Map<String, String> first(List<Map<String, String>> rows, Predicate<Map<String, String>> p) {
        return rows.stream().filter(p).findFirst().orElse(null);
    }

    private static double num(Map<String, String> row, String column) {
        return row == null ? Double.NaN : Double.parseDouble(row.get(column));
    }

    // P3: p50 … p99.9 of both clients, ms, log scale; throughput in the legend.
    private static void apiPanel(Graphics2D g, List<Map<String, String>> rows, int x, int y, int w, int h) {
        title(g, "P3 – bank API call under load, latency (ms, log)", x + 20, y);
        Map<String, String> lib = first(rows, r -> r.get("side").equals("library") && r.get("slice").equals("all"));
        Map<String, String> bare = first(rows, r -> r.get("side").equals("bare") && r.get("slice").equals("all"));
        if (lib == null || bare == null) {
            missing(g, "no api-overhead.csv: run -Dperf=api", x + 20, y + 60);
            return;
        }
        String[] columns = {"p50_us", "p90_us", "p99_us", "p999_us"};
        String[] labels = {"p50", "p90", "p99", "p99.9"};
        double[][] values = new double[2][columns.length];
        for (int i = 0; i < columns.length; i++) {
            values[0][i] = num(lib, columns[i]) / 1000;
            values[1][i] = num(bare, columns[i]) / 1000;
        }
        bars(g, x + 60, y + 50, w - 90, h - 150, labels, values, 0.1, 1000, "ms");
        double tLib = num(lib, "requests") / num(lib, "seconds");
        double tBare = num(bare, "requests") / num(bare, "seconds");
        legend(g, x + 60, y + h - 70, String.format(Locale.ROOT, "BankApiClients  %.0f req/s", tLib),
                String.format(Locale.ROOT, "hard-coded header  %.0f req/s", tBare));
        note(g, String.format(Locale.ROOT, "throughput: library %+.1f %% vs hard-coded; same run, alternating slices",
                100 * (tLib - tBare) / tBare), x + 60, y + h - 25);
    }

    // P4: p50 of each part, library vs bare, ms on one log axis.
    private static void tokenPanel(Graphics2D g, List<Map<String, String>> rows, int x, int y, int w, int h) {
        title(g, "P4 – token over mutual TLS, p50 (ms, log)", x + 20, y);
        if (rows.isEmpty()) {
            missing(g, "no token-latency.csv: run -Dperf=token", x + 20, y + 60);
            return;
        }
        String[] parts = {"cold warm JVM", "first in a fresh JVM", "refresh new connection",
            "refresh pooled connection"};
        String[] labels = {"cold", "fresh JVM", "refresh new", "refresh pooled"};
        double[][] values = new double[2][parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            for (int s = 0; s < 2; s++) {
                String side = s == 0 ? "library" : "bare";
                // The interleaved figure where there is one (robust to a change of load between two benchmarks).
                String interleaved = "interleaved " + (part.startsWith("cold") ? "cold" : part);
                Map<String, String> r = first(rows, row -> row.get("what").equals(interleaved)
                        && row.get("side").equals(side));
                if (r == null) {
                    r = first(rows, row -> row.get("what").equals(part) && row.get("side").equals(side));
                }
                values[s][i] = r == null ? Double.NaN
                        : num(r, "p50") / (r.get("unit").equals("ms") ? 1 : 1000);
            }
        }
        bars(g, x + 60, y + 50, w - 90, h - 150, labels, values, 0.1, 1000, "ms");
        legend(g, x + 60, y + h - 70, "library (TokenManager + JdkBankHttp)", "bare HttpClient POST");
        note(g, "cold, refresh: interleaved call by call; fresh JVM: JMH, 10 forks", x + 60, y + h - 25);
    }

    // P5: whole-heap bytes per token by token length, without and with metrics; the token's String shaded.
    private static void memoryPanel(Graphics2D g, List<Map<String, String>> rows, int x, int y, int w, int h) {
        title(g, "P5 – retained heap per cached token (bytes)", x + 20, y);
        if (rows.isEmpty()) {
            missing(g, "no token-memory.csv: run -Dperf=memory", x + 20, y + 60);
            return;
        }
        List<String> lengths = rows.stream().map(r -> r.get("token_length")).distinct().toList();
        int ax = x + 70;
        int aw = w - 100;
        int top = y + 50;
        int ah = h - 150;
        double max = rows.stream().mapToDouble(r -> num(r, "heap_bytes_per_token")).max().orElse(1024);
        max = Math.max(1500, Math.ceil(max / 500) * 500);
        linearAxis(g, ax, top, aw, ah, max, 500);
        int groupW = aw / lengths.size();
        for (int gi = 0; gi < lengths.size(); gi++) {
            String length = lengths.get(gi);
            int barW = (groupW - 24) / 2;
            for (int s = 0; s < 2; s++) {
                String metrics = s == 0 ? "none" : "micrometer";
                Map<String, String> r = first(rows, row -> row.get("token_length").equals(length)
                        && row.get("metrics").equals(metrics));
                if (r == null) {
                    continue;
                }
                double heap = num(r, "heap_bytes_per_token");
                double string = num(r, "string_bytes_per_token");
                int bx = ax + gi * groupW + 12 + s * barW;
                int yv = top + ah - (int) Math.round(heap / max * ah);
                int ys = top + ah - (int) Math.round(Math.min(string, heap) / max * ah);
                g.setColor(s == 0 ? LIBRARY : new Color(0x9467bd));
                g.fillRect(bx + 2, yv, barW - 4, top + ah - yv);
                g.setColor(new Color(255, 255, 255, 120));
                g.fillRect(bx + 2, ys, barW - 4, top + ah - ys);
                g.setColor(Color.BLACK);
                g.setFont(SMALL);
                centered(g, String.format(Locale.ROOT, "%.0f", heap), bx + barW / 2, yv - 4);
            }
            g.setFont(TEXT);
            g.setColor(Color.BLACK);
            centered(g, length + " chars", ax + gi * groupW + groupW / 2, top + ah + 18);
        }
        int goal = top + ah - (int) Math.round(1024 / max * ah);
        g.setColor(GOAL);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1, new float[] {6, 4}, 0));
        g.drawLine(ax, goal, ax + aw, goal);
        g.setStroke(new BasicStroke(1));
        g.setFont(SMALL);
        String goalLabel = "goal ≤ 1 KiB";
        int labelW = g.getFontMetrics().stringWidth(goalLabel);
        g.setColor(Color.WHITE);
        g.fillRect(ax + aw - labelW - 8, goal - 16, labelW + 6, 14);
        g.setColor(GOAL);
        g.drawString(goalLabel, ax + aw - labelW - 5, goal - 5);
        legendColors(g, x + 70, y + h - 70, new Color[] {LIBRARY, new Color(0x9467bd)},
                new String[] {"no metrics", "Micrometer meters per slot"});
        note(g, "1,000 banks × 3 scopes, live heap; pale: the token's String", x + 70, y + h - 25);
    }

    /** Two bars per group (library, bare) on a log axis from min to max. */
    private static void bars(Graphics2D g, int ax, int top, int aw, int ah, String[] groups, double[][] values,
            double min, double max, String unit) {
        logAxis(g, ax, top, aw, ah, min, max, unit);
        int groupW = aw / groups.length;
        int barW = (groupW - 20) / 2;
        for (int gi = 0; gi < groups.length; gi++) {
            for (int s = 0; s < 2; s++) {
                double v = values[s][gi];
                if (Double.isNaN(v)) {
                    continue;
                }
                int bx = ax + gi * groupW + 10 + s * barW;
                int yv = logY(v, top, ah, min, max);
                g.setColor(s == 0 ? LIBRARY : BARE);
                g.fillRect(bx + 2, yv, barW - 4, top + ah - yv);
                g.setColor(Color.BLACK);
                g.setFont(SMALL);
                centered(g, compact(v), bx + barW / 2, yv - 4);
            }
            g.setFont(TEXT);
            g.setColor(Color.BLACK);
            centered(g, groups[gi], ax + gi * groupW + groupW / 2, top + ah + 18);
        }
    }

    private static void logAxis(Graphics2D g, int ax, int top, int aw, int ah, double min, double max, String unit) {
        g.setFont(SMALL);
        for (double v = min; v <= max * 1.0001; v *= 10) {
            int py = logY(v, top, ah, min, max);
            g.setColor(new Color(0xe4e4e4));
            g.drawLine(ax, py, ax + aw, py);
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            String s = compact(v);
            g.drawString(s, ax - 6 - fm.stringWidth(s), py + 4);
        }
        g.drawLine(ax, top, ax, top + ah);
        g.drawLine(ax, top + ah, ax + aw, top + ah);
        g.drawString(unit, ax - 30, top - 8);
    }

    private static void linearAxis(Graphics2D g, int ax, int top, int aw, int ah, double max, double step) {
        g.setFont(SMALL);
        for (double v = 0; v <= max + 0.001; v += step) {
            int py = top + ah - (int) Math.round(v / max * ah);
            g.setColor(new Color(0xe4e4e4));
            g.drawLine(ax, py, ax + aw, py);
            g.setColor(Color.BLACK);
            String s = String.format(Locale.ROOT, "%.0f", v);
            g.drawString(s, ax - 6 - g.getFontMetrics().stringWidth(s), py + 4);
        }
        g.drawLine(ax, top, ax, top + ah);
        g.drawLine(ax, top + ah, ax + aw, top + ah);
    }

    private static int logY(double v, int top, int ah, double min, double max) {
        double f = (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return top + ah - (int) Math.round(Math.max(0, Math.min(1, f)) * ah);
    }

    private static void title(Graphics2D g, String text, int x, int y) {
        g.setFont(TITLE);
        g.setColor(Color.BLACK);
        g.drawString(text, x, y + 24);
    }

    private static void legend(Graphics2D g, int x, int y, String library, String bare) {
        legendColors(g, x, y, new Color[] {LIBRARY, BARE}, new String[] {library, bare});
    }

    private static void legendColors(Graphics2D g, int x, int y, Color[] colors, String[] names) {
        g.setFont(TEXT);
        for (int i = 0; i < colors.length; i++) {
            g.setColor(colors[i]);
            g.fillRect(x, y + i * 20, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(names[i], x + 20, y + i * 20 + 12);
        }
    }

    private static void note(Graphics2D g, String text, int x, int y) {
        g.setFont(SMALL);
        g.setColor(Color.DARK_GRAY);
        g.drawString(text, x, y);
    }

    private static void missing(Graphics2D g, String text, int x, int y) {
        g.setFont(TEXT);
        g.setColor(GOAL);
        g.drawString(text, x, y);
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static String compact(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, v >= 1 ? "%.2f" : "%.3f", v);
    }
}
