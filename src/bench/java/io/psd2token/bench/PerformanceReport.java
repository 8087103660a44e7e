package io.psd2token.bench;

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
import java.util.Optional;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns the JMH JSON of {@link HotPathRun} and the CSV of {@link StormSuite} into the tables of
 * docs/performance.md (printed as Markdown) and the plot docs/performance.png (Java2D, no other tool).
 *
 * <p>Usage: {@code java -cp target/bench/benchmarks.jar io.psd2token.bench.PerformanceReport
 * [JMH_JSON [STORM_CSV [PNG]]]}, defaults {@code target/bench/jmh-hotpath.json},
 * {@code target/bench/storm.csv}, {@code docs/performance.png}.
 */
public final class PerformanceReport {

    private static final String[] CONTENDERS = {"ours", "spring", "google"};
    private static final Map<String, String> LABELS = Map.of(
            "ours", "psd2-token token(bkcode).value()",
            "oursToken", "  part: token(bkcode)",
            "partSlotLookup", "  part: slot lookup (map.get)",
            "partSlotReads", "  part: slot reads (2 volatile)",
            "spring", "Spring authorize(prebuilt)",
            "google", "google-auth getRequestMetadata",
            "lowerBoundMapVolatileNanoTime", "map + volatile + nanoTime",
            "lowerBoundMapVolatile", "map + volatile",
            "ours-notrap", "psd2-token, no uncommon traps");
    private static final Map<String, Color> COLORS = Map.of(
            "ours", new Color(0x1f77b4),
            "oursToken", new Color(0x5fa2d8),
            "partSlotLookup", new Color(0x8fbfe6),
            "partSlotReads", new Color(0x8fbfe6),
            "spring", new Color(0x2ca02c),
            "google", new Color(0xd62728),
            "lowerBoundMapVolatileNanoTime", new Color(0x7f7f7f),
            "lowerBoundMapVolatile", new Color(0xb0b0b0),
            "ours-notrap", new Color(0x9467bd));
    private static final String[] BENCHMARKS = {"ours", "oursToken", "partSlotLookup", "partSlotReads", "google",
        "spring", "lowerBoundMapVolatileNanoTime", "lowerBoundMapVolatile"};

    private PerformanceReport() {
    }

    /** One JMH result: benchmark × threads. */
    record Score(String benchmark, int threads, double nsPerOp, double error, double bytesPerOp) {
    }

    /** One storm row of the CSV, by column name. */
    record Storm(Map<String, String> columns) {
        String get(String column) {
            return columns.getOrDefault(column, "");
        }

        double number(String column) {
            String v = get(column);
            return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
        }
    }

    /** Prints the tables and writes the plot. */
    public static void main(String[] args) throws IOException {
        Path jmh = Path.of(args.length > 0 ? args[0] : "target/bench/jmh-hotpath.json");
        Path csv = Path.of(args.length > 1 ? args[1] : "target/bench/storm.csv");
        Path png = Path.of(args.length > 2 ? args[2] : "docs/performance.png");
        List<Score> scores = readJmh(jmh);
        List<Storm> storms = readStorms(csv);
        System.out.println(jmhTable(scores));
        System.out.println(stormTable(storms));
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(plot(scores, storms), "png", png.toFile());
        System.out.println("plot written to " + png);
    }

    static List<Score> readJmh(Path file) {
        JsonNode root = new ObjectMapper().readTree(file);
        List<Score> scores = new ArrayList<>();
        for (JsonNode run : root) {
            String name = run.path("benchmark").asString();
            name = name.substring(name.lastIndexOf('.') + 1);
            JsonNode primary = run.path("primaryMetric");
            double bytes = Double.NaN;
            for (Map.Entry<String, JsonNode> m : run.path("secondaryMetrics").properties()) {
                if (m.getKey().endsWith("gc.alloc.rate.norm")) {
                    bytes = m.getValue().path("score").asDouble();
                }
            }
            scores.add(new Score(name, run.path("threads").asInt(), primary.path("score").asDouble(),
                    primary.path("scoreError").asDouble(), bytes));
        }
        return scores;
    }

    static List<Storm> readStorms(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",", -1);
        List<Storm> storms = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length && i < cells.length; i++) {
                row.put(header[i], cells[i]);
            }
            storms.add(new Storm(row));
        }
        return storms;
    }

    private static Optional<Score> score(List<Score> scores, String benchmark, int threads) {
        return scores.stream().filter(s -> s.benchmark.equals(benchmark) && s.threads == threads).findFirst();
    }

    static String jmhTable(List<Score> scores) {
        StringBuilder t = new StringBuilder();
        t.append("| | ns/op, 1 thread | ns/op, 2 threads | B/op, 1 thread | B/op, 2 threads | × ours (1 t / 2 t) |\n");
        t.append("|---|---:|---:|---:|---:|---:|\n");
        for (String b : BENCHMARKS) {
            Optional<Score> one = score(scores, b, 1);
            Optional<Score> two = score(scores, b, 2);
            Optional<Score> ours1 = score(scores, "ours", 1);
            Optional<Score> ours2 = score(scores, "ours", 2);
            t.append("| ").append(LABELS.get(b))
                    .append(" | ").append(one.map(s -> fmt(s.nsPerOp) + " ± " + fmt(s.error)).orElse("–"))
                    .append(" | ").append(two.map(s -> fmt(s.nsPerOp) + " ± " + fmt(s.error)).orElse("–"))
                    .append(" | ").append(one.map(s -> fmt(s.bytesPerOp)).orElse("–"))
                    .append(" | ").append(two.map(s -> fmt(s.bytesPerOp)).orElse("–"))
                    .append(" | ").append(ratio(one, ours1)).append(" / ").append(ratio(two, ours2))
                    .append(" |\n");
        }
        return t.toString();
    }

    private static String ratio(Optional<Score> a, Optional<Score> b) {
        return a.isPresent() && b.isPresent() ? String.format(Locale.ROOT, "%.1f", a.get().nsPerOp / b.get().nsPerOp)
                : "–";
    }

    static String stormTable(List<Storm> storms) {
        StringBuilder t = new StringBuilder();
        t.append("| endpoint | storm | contender | token requests (back-to-back runs) | errors | GCs b2b / paced"
                + " | window ms | calls > 1 ms / p50 / p99 / max in window (µs) | steady p50 / p99 / max (µs) | p99 window ÷ steady |\n");
        t.append("|---|---|---|---|---:|---|---:|---|---|---:|\n");
        for (String delay : distinct(storms, "delay_ms")) {
            for (String scenario : List.of("cold", "refresh")) {
                for (String c : List.of("ours", "ours-notrap", "spring", "google")) {
                    List<Storm> b2b = select(storms, s -> s.get("delay_ms").equals(delay)
                            && s.get("scenario").equals(scenario) && s.get("contender").equals(c)
                            && s.get("mode").equals("b2b"));
                    List<Storm> paced = select(storms, s -> s.get("delay_ms").equals(delay)
                            && s.get("scenario").equals(scenario) && s.get("contender").equals(c)
                            && s.get("mode").equals("paced"));
                    if (b2b.isEmpty() && paced.isEmpty()) {
                        continue;
                    }
                    List<String> counts = new ArrayList<>();
                    List<String> gcs = new ArrayList<>();
                    long errors = 0;
                    for (Storm s : b2b) {
                        counts.add(s.get("requests"));
                        gcs.add(s.get("gc_count"));
                        errors += Long.parseLong(s.get("errors"));
                    }
                    Storm p = paced.isEmpty() ? null : paced.get(0);
                    if (p != null) {
                        errors += Long.parseLong(p.get("errors"));
                    }
                    String window = p == null ? "–" : p.get("win_over_1ms") + " / " + p.get("win_p50_us") + " / " + p.get("win_p99_us") + " / "
                            + p.get("win_max_us") + " (n=" + p.get("win_n") + ")";
                    String steady = p == null ? "–" : p.get("steady_p50_us") + " / " + p.get("steady_p99_us") + " / "
                            + p.get("steady_max_us") + " (n=" + p.get("steady_n") + ")";
                    String ratio = p == null || scenario.equals("cold") || p.get("win_p99_us").isEmpty()
                            || p.get("steady_p99_us").isEmpty() ? "–"
                            : String.format(Locale.ROOT, "%.1f", p.number("win_p99_us") / p.number("steady_p99_us"));
                    t.append("| ").append(delay).append(" ms | ").append(scenario).append(" | ").append(c)
                            .append(" | ").append(String.join(", ", counts))
                            .append(p == null ? "" : " (paced: " + p.get("requests") + ")")
                            .append(" | ").append(errors)
                            .append(" | ").append(String.join(", ", gcs)).append(" / ")
                            .append(p == null ? "–" : p.get("gc_count"))
                            .append(" | ").append(p == null ? "–" : p.get("window_ms"))
                            .append(" | ").append(window).append(" | ").append(steady).append(" | ").append(ratio)
                            .append(" |\n");
                }
            }
        }
        return t.toString();
    }

    private static List<Storm> select(List<Storm> storms, Predicate<Storm> p) {
        return storms.stream().filter(p).toList();
    }

    private static List<String> distinct(List<Storm> storms, String column) {
        return storms.stream().map(s -> s.get(column)).distinct().toList();
    }

    // ---- the plot: three panels, each on a log scale because the contenders differ by orders of magnitude

    private static final int WIDTH = 1500;
    private static final int HEIGHT = 1000;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    static BufferedImage plot(List<Score> scores, List<Storm> storms) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        hotPathPanel(g, scores, 30, 20, 900, 430);
        requestsPanel(g, storms, 960, 20, 520, 430);
        latencyPanel(g, storms, 30, 490, 1450, 490);
        g.dispose();
        return image;
    }

    private static void hotPathPanel(Graphics2D g, List<Score> scores, int x, int y, int w, int h) {
        title(g, "P1 – cached token, ns per call (log scale; bar = mean, whisker = 99.9% error)", x, y);
        int labelW = 230;
        int ax = x + labelW;
        int aw = w - labelW - 150;
        int top = y + 40;
        int rowH = (h - 90) / BENCHMARKS.length;
        double min = 1;
        double max = 1000;
        logAxis(g, ax, top + rowH * BENCHMARKS.length + 5, aw, min, max, "ns/op", true);
        for (int i = 0; i < BENCHMARKS.length; i++) {
            String b = BENCHMARKS[i];
            int ry = top + i * rowH;
            g.setFont(TEXT);
            g.setColor(Color.BLACK);
            g.drawString(LABELS.get(b), x, ry + rowH / 2 + 4);
            for (int t = 1; t <= 2; t++) {
                Optional<Score> s = score(scores, b, t);
                if (s.isEmpty()) {
                    continue;
                }
                int by = ry + 6 + (t - 1) * (rowH - 12) / 2;
                int bh = (rowH - 12) / 2 - 3;
                Color c = COLORS.get(b);
                g.setColor(t == 1 ? c : lighter(c));
                int end = logX(s.get().nsPerOp, ax, aw, min, max);
                g.fillRect(ax, by, end - ax, bh);
                g.setColor(Color.BLACK);
                int lo = logX(Math.max(min, s.get().nsPerOp - s.get().error), ax, aw, min, max);
                int hi = logX(s.get().nsPerOp + s.get().error, ax, aw, min, max);
                g.drawLine(lo, by + bh / 2, hi, by + bh / 2);
                g.drawLine(lo, by + 2, lo, by + bh - 2);
                g.drawLine(hi, by + 2, hi, by + bh - 2);
                g.setFont(SMALL);
                g.drawString(String.format(Locale.ROOT, "%s ns, %s B/op (%d thread%s)", fmt(s.get().nsPerOp),
                        fmt(s.get().bytesPerOp), t, t == 1 ? "" : "s"), Math.max(end, hi) + 6, by + bh - 1);
            }
        }
        // The 10 ns goal of docs/performance.md, for reference.
        int goal = logX(10, ax, aw, min, max);
        g.setColor(new Color(0xff7f0e));
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(goal, top - 4, goal, top + rowH * BENCHMARKS.length);
        g.setStroke(new BasicStroke(1));
        g.setFont(SMALL);
        g.drawString("goal ≤ 10 ns", goal + 4, top + 6);
        g.setColor(Color.DARK_GRAY);
        g.drawString("darker bar: 1 thread, lighter bar: 2 threads sharing one cache", ax, y + h - 5);
    }

    private static void requestsPanel(Graphics2D g, List<Storm> storms, int x, int y, int w, int h) {
        title(g, "P2 – token requests per storm of 1,000 callers (log)", x, y);
        String[][] groups = {{"cold", "50"}, {"cold", "2000"}, {"refresh", "50"}, {"refresh", "2000"}};
        int ax = x + 50;
        int aw = w - 70;
        int top = y + 45;
        int ah = h - 130;
        double min = 0.5;
        double max = 2000;
        logAxisVertical(g, ax, top, ah, min, max);
        int groupW = aw / groups.length;
        for (int gi = 0; gi < groups.length; gi++) {
            String scenario = groups[gi][0];
            String delay = groups[gi][1];
            int gx = ax + gi * groupW + 10;
            int barW = (groupW - 20) / CONTENDERS.length;
            for (int ci = 0; ci < CONTENDERS.length; ci++) {
                String c = CONTENDERS[ci];
                List<Double> counts = select(storms, s -> s.get("scenario").equals(scenario)
                        && s.get("delay_ms").equals(delay) && s.get("contender").equals(c) && s.get("mode").equals("b2b"))
                        .stream().map(s -> s.number("requests")).toList();
                if (counts.isEmpty()) {
                    continue;
                }
                double lo = counts.stream().mapToDouble(Double::doubleValue).min().orElse(0);
                double hi = counts.stream().mapToDouble(Double::doubleValue).max().orElse(0);
                int bx = gx + ci * barW;
                int yHi = logY(Math.max(hi, min), top, ah, min, max);
                int yLo = logY(Math.max(lo, min), top, ah, min, max);
                g.setColor(COLORS.get(c));
                g.fillRect(bx + 2, yHi, barW - 4, top + ah - yHi);
                if (yLo != yHi) {
                    g.setColor(new Color(255, 255, 255, 140));
                    g.fillRect(bx + 2, yHi, barW - 4, yLo - yHi);
                }
                g.setColor(Color.BLACK);
                g.setFont(SMALL);
                String label = lo == hi ? fmtInt(hi) : fmtInt(lo) + "–" + fmtInt(hi);
                centered(g, label, bx + barW / 2, yHi - 4);
            }
            g.setColor(Color.BLACK);
            g.setFont(TEXT);
            centered(g, scenario + ", " + (delay.equals("2000") ? "2 s" : delay + " ms"), gx + (groupW - 20) / 2,
                    top + ah + 18);
        }
        legend(g, x + 50, y + h - 45);
        g.setFont(SMALL);
        g.setColor(Color.DARK_GRAY);
        g.drawString("back-to-back callers; pale part of a bar = range over the runs", x + 50, y + h - 10);
    }

    private static void latencyPanel(Graphics2D g, List<Storm> storms, int x, int y, int w, int h) {
        title(g, "P2 – paced callers: latency of token calls, p99 (bar) and max (tick), µs, log scale", x, y);
        String[][] groups = {{"refresh", "50"}, {"refresh", "2000"}, {"cold", "50"}, {"cold", "2000"}};
        int ax = x + 60;
        int aw = w - 80;
        int top = y + 45;
        int ah = h - 110;
        double min = 0.1;
        double max = 1e7;
        logAxisVertical(g, ax, top, ah, min, max);
        int groupW = aw / groups.length;
        for (int gi = 0; gi < groups.length; gi++) {
            String scenario = groups[gi][0];
            String delay = groups[gi][1];
            int gx = ax + gi * groupW + 12;
            String[] shown = scenario.equals("refresh") ? new String[] {"ours", "ours-notrap", "spring", "google"}
                    : CONTENDERS;
            int barW = (groupW - 24) / (4 * 2);
            for (int ci = 0; ci < shown.length; ci++) {
                String c = shown[ci];
                List<Storm> paced = select(storms, s -> s.get("scenario").equals(scenario)
                        && s.get("delay_ms").equals(delay) && s.get("contender").equals(c) && s.get("mode").equals("paced"));
                if (paced.isEmpty()) {
                    continue;
                }
                Storm p = paced.get(0);
                String[][] bars = {{"steady_p99_us", "steady_max_us"}, {"win_p99_us", "win_max_us"}};
                for (int bi = 0; bi < 2; bi++) {
                    double p99 = p.number(bars[bi][0]);
                    double mx = p.number(bars[bi][1]);
                    int bx = gx + (ci * 2 + bi) * barW;
                    if (Double.isNaN(p99)) {
                        continue;
                    }
                    int yv = logY(Math.max(p99, min), top, ah, min, max);
                    g.setColor(bi == 0 ? lighter(COLORS.get(c)) : COLORS.get(c));
                    g.fillRect(bx + 2, yv, barW - 4, top + ah - yv);
                    g.setColor(Color.BLACK);
                    if (!Double.isNaN(mx)) {
                        int ym = logY(Math.max(mx, min), top, ah, min, max);
                        g.drawLine(bx + 3, ym, bx + barW - 3, ym);
                        g.drawLine(bx + barW / 2, ym, bx + barW / 2, yv);
                    }
                    g.setFont(SMALL);
                    centered(g, compact(p99), bx + barW / 2, yv - 3);
                }
            }
            g.setColor(Color.BLACK);
            g.setFont(TEXT);
            centered(g, scenario + " storm, endpoint " + (delay.equals("2000") ? "2 s" : delay + " ms"),
                    gx + (groupW - 24) / 2, top + ah + 18);
        }
        legend(g, x + 60, y + h - 42);
        g.setColor(COLORS.get("ours-notrap"));
        g.fillRect(x + 470, y + h - 42, 14, 14);
        g.setColor(Color.BLACK);
        g.setFont(TEXT);
        g.drawString("psd2-token run with -XX:PerMethodTrapLimit=0 (diagnosis: no deoptimisation at the stale"
                + " point)", x + 489, y + h - 30);
        g.setFont(SMALL);
        g.setColor(Color.DARK_GRAY);
        g.drawString("per contender: lighter bar = steady state (token cached), darker bar = calls started in the"
                + " window (token had to be replaced, until the last token answer); one paced run each",
                x + 60, y + h - 8);
    }

    private static void title(Graphics2D g, String text, int x, int y) {
        g.setFont(TITLE);
        g.setColor(Color.BLACK);
        g.drawString(text, x, y + 18);
    }

    private static void legend(Graphics2D g, int x, int y) {
        g.setFont(TEXT);
        int lx = x;
        for (String c : CONTENDERS) {
            g.setColor(COLORS.get(c));
            g.fillRect(lx, y, 14, 14);
            g.setColor(Color.BLACK);
            String name = switch (c) {
                case "ours" -> "psd2-token";
                case "spring" -> "Spring Security";
                default -> "google-auth";
            };
            g.drawString(name, lx + 19, y + 12);
            lx += 19 + g.getFontMetrics().stringWidth(name) + 25;
        }
    }

    private static void logAxis(Graphics2D g, int ax, int ay, int aw, double min, double max, String unit,
            boolean grid) {
        g.setFont(SMALL);
        for (double v = min; v <= max * 1.0001; v *= 10) {
            int px = logX(v, ax, aw, min, max);
            g.setColor(new Color(0xdddddd));
            if (grid) {
                g.drawLine(px, ay - 5, px, ay - 400);
            }
            g.setColor(Color.BLACK);
            g.drawLine(px, ay, px, ay + 4);
            centered(g, compact(v), px, ay + 17);
        }
        g.drawLine(ax, ay, ax + aw, ay);
        g.drawString(unit, ax + aw + 8, ay + 4);
    }

    private static void logAxisVertical(Graphics2D g, int ax, int top, int ah, double min, double max) {
        g.setFont(SMALL);
        double start = Math.pow(10, Math.ceil(Math.log10(min)));
        for (double v = start; v <= max * 1.0001; v *= 10) {
            int py = logY(v, top, ah, min, max);
            g.setColor(new Color(0xe4e4e4));
            g.drawLine(ax, py, ax + 2000, py);
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            String s = compact(v);
            g.drawString(s, ax - 6 - fm.stringWidth(s), py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(ax, top, ax, top + ah);
        g.drawLine(ax, top + ah, ax + 2000, top + ah);
    }

    private static int logX(double v, int ax, int aw, double min, double max) {
        double f = (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return ax + (int) Math.round(Math.min(1, f) * aw);
    }

    private static int logY(double v, int top, int ah, double min, double max) {
        double f = (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return top + ah - (int) Math.round(Math.max(0, Math.min(1, f)) * ah);
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static Color lighter(Color c) {
        return new Color((c.getRed() + 255 * 2) / 3, (c.getGreen() + 255 * 2) / 3, (c.getBlue() + 255 * 2) / 3);
    }

    private static String compact(double v) {
        if (v >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (v >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        return v >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, v >= 10 ? "%.0f" : "%.1f", v);
    }

    private static String fmtInt(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Math.abs(v) < 0.05) {
            return "0";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.1f", v);
    }
}
