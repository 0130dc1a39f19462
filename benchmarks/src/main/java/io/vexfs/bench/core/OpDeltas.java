package io.vexfs.bench.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many FUSE operations of each kind the mount served between two scrapes of
 * vexfs_op_seconds, and the time it spent inside them (its own timers, which stop at the
 * jnr-fuse callback: the kernel, libfuse and the native-to-Java upcall are outside).
 */
final class OpDeltas {
    /** Calls and seconds of one operation kind. */
    record Tally(double calls, double seconds) {
        Tally plus(Tally o) {
            return new Tally(calls + o.calls, seconds + o.seconds);
        }
    }

    private final Map<String, Tally> byOp;

    private OpDeltas(Map<String, Tally> byOp) {
        this.byOp = byOp;
    }

    static OpDeltas none() {
        return new OpDeltas(new TreeMap<>());
    }

    static OpDeltas between(PromText before, PromText after) {
        Map<String, Tally> d = new TreeMap<>();
        for (String op : after.ops()) {
            double calls = after.opCount(op) - zeroIfAbsent(before.opCount(op));
            if (calls > 0) {
                d.put(op, new Tally(calls, after.opSeconds(op) - zeroIfAbsent(before.opSeconds(op))));
            }
        }
        return new OpDeltas(d);
    }

    private static double zeroIfAbsent(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    OpDeltas plus(OpDeltas o) {
        Map<String, Tally> d = new TreeMap<>(byOp);
        o.byOp.forEach((op, t) -> d.merge(op, t, Tally::plus));
        return new OpDeltas(d);
    }

    /**
     * Removes {@code times} copies of {@code cost}'s calls (the operations a scrape itself
     * causes), never below zero. Their time is taken out at this window's own mean per call:
     * one scrape's timing, measured once, is too noisy to subtract from microsecond operations.
     */
    OpDeltas minus(OpDeltas cost, int times) {
        Map<String, Tally> d = new TreeMap<>();
        byOp.forEach((op, t) -> {
            Tally c = cost.byOp.getOrDefault(op, new Tally(0, 0));
            double calls = Math.max(0, t.calls - times * c.calls);
            if (calls > 0) {
                d.put(op, new Tally(calls, t.seconds * calls / t.calls));
            }
        });
        return new OpDeltas(d);
    }

    Tally get(String op) {
        return byOp.getOrDefault(op, new Tally(0, 0));
    }

    double totalSeconds() {
        return byOp.values().stream().mapToDouble(Tally::seconds).sum();
    }

    /** Per client operation: FUSE calls of each kind and mean microseconds per call, for the report. */
    Map<String, Map<String, Double>> perClientOp(long clientOps) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        byOp.forEach((op, t) -> out.put(op, Map.of(
                "calls_per_client_op", t.calls / clientOps,
                "server_us_per_call", t.seconds / t.calls * 1e6)));
        return out;
    }

    /**
     * "getattr 3.00 x 0.6 us, ..." : calls per client op and mean server time per call. Kinds
     * below one call per hundred client ops are left out: they are the scrapes' own reads.
     */
    String summary(long clientOps) {
        StringBuilder sb = new StringBuilder();
        byOp.forEach((op, t) -> {
            if (t.calls / clientOps < 0.01) {
                return;
            }
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(String.format("%s %.2f x %.1f us", op, t.calls / clientOps, t.seconds / t.calls * 1e6));
        });
        return sb.toString();
    }
}
