package io.vexfs.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Two reports side by side: each shared figure with its change in percent and whether that is a regression. */
final class Comparison {
    private Comparison() {
    }

    enum Verdict { BETTER, SAME, WORSE, REGRESSED, NEW, GONE }

    /** @param percent the change from baseline to current, or null when the baseline is 0 or one side is missing */
    record Change(String figure, String unit, Double baseline, Double current, Double percent, Verdict verdict) {
    }

    static List<Change> compare(PerfReport baseline, PerfReport current, double thresholdPct) {
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<String, PerfReport.Figure> e : baseline.figures().entrySet()) {
            PerfReport.Figure b = e.getValue();
            PerfReport.Figure c = current.figures().get(e.getKey());
            if (c == null) {
                changes.add(new Change(e.getKey(), b.unit(), b.value(), null, null, Verdict.GONE));
                continue;
            }
            Double pct = b.value() == 0 ? null : (c.value() - b.value()) / Math.abs(b.value()) * 100;
            changes.add(new Change(e.getKey(), b.unit(), b.value(), c.value(), pct, verdict(b, c, pct, thresholdPct)));
        }
        for (Map.Entry<String, PerfReport.Figure> e : current.figures().entrySet()) {
            if (!baseline.figures().containsKey(e.getKey())) {
                changes.add(new Change(e.getKey(), e.getValue().unit(), null, e.getValue().value(), null, Verdict.NEW));
            }
        }
        return changes;
    }

    private static Verdict verdict(PerfReport.Figure b, PerfReport.Figure c, Double pct, double threshold) {
        boolean higherIsBetter = PerfReport.HIGHER.equals(b.better());
        if (pct == null) {
            if (c.value() == b.value()) {
                return Verdict.SAME;
            }
            boolean worse = higherIsBetter ? c.value() < b.value() : c.value() > b.value();
            return worse ? Verdict.REGRESSED : Verdict.BETTER;
        }
        double gain = higherIsBetter ? pct : -pct;
        if (gain < -threshold) {
            return Verdict.REGRESSED;
        }
        return gain < 0 ? Verdict.WORSE : gain > 0 ? Verdict.BETTER : Verdict.SAME;
    }

    static void print(PrintWriter out, List<Change> changes) {
        Table t = new Table("figure", "baseline", "current", "change", "verdict");
        for (Change c : changes) {
            t.row(c.figure(), value(c.baseline(), c.unit()), value(c.current(), c.unit()),
                    c.percent() == null ? "n/a" : String.format(Locale.ROOT, "%+.1f%%", c.percent()),
                    c.verdict().name().toLowerCase(Locale.ROOT));
        }
        t.print(out);
    }

    private static String value(Double v, String unit) {
        return v == null ? "-" : Units.number(v) + " " + unit;
    }

    static long regressions(List<Change> changes) {
        return changes.stream().filter(c -> c.verdict() == Verdict.REGRESSED).count();
    }
}
