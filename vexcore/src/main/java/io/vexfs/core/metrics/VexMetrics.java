package io.vexfs.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The mount's metrics: a latency timer per FUSE operation, the {@link VexCounter} events and
 * the {@link VexGauge} samples, in one Micrometer Prometheus registry. Thread-safe; recording
 * an operation or counting an event does a map lookup and Micrometer's own (lock-free) update.
 */
public final class VexMetrics {
    /** Micrometer name of the per-operation timer; Prometheus shows it as {@code vexfs_op_seconds}. */
    public static final String OP_TIMER = "vexfs.op";
    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConcurrentHashMap<String, Timer> opTimers = new ConcurrentHashMap<>();
    private final Map<VexCounter, Counter> counters = new EnumMap<>(VexCounter.class);
    private final ConcurrentHashMap<String, Meter> sampled = new ConcurrentHashMap<>();
    /** Micrometer holds function-counter sources weakly; these references keep bound lambdas alive. */
    private final java.util.List<DoubleSupplier> keepAlive = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Instant started = Instant.now();
    /** Run before each scrape: gauges whose series follow the data (one per collection) bring their set up to date. */
    private final List<Runnable> beforeScrape = new java.util.concurrent.CopyOnWriteArrayList<>();

    public VexMetrics() {
        for (VexCounter c : VexCounter.values()) {
            counters.put(c, Counter.builder(c.metricName()).baseUnit(c.baseUnit()).description(c.help())
                    .register(registry));
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        bind(VexGauge.HEAP_USED, () -> memory.getHeapMemoryUsage().getUsed());
        bind(VexGauge.HEAP_MAX, () -> memory.getHeapMemoryUsage().getMax());
    }

    /**
     * The timer of one FUSE operation ("getattr", "read", ...), created on first use and then
     * reused; a caller on a hot path may keep the returned instance.
     */
    public Timer opTimer(String op) {
        Timer timer = opTimers.get(op);
        return timer != null ? timer : opTimers.computeIfAbsent(op, this::newOpTimer);
    }

    private Timer newOpTimer(String op) {
        return Timer.builder(OP_TIMER)
                .tag("op", op)
                .description("FUSE operations: latency and count by operation")
                .publishPercentiles(PERCENTILES)
                .percentilePrecision(2)
                .register(registry);
    }

    /** Records one operation that took {@code nanos}. */
    public void recordOp(String op, long nanos) {
        opTimer(op).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void increment(VexCounter counter) {
        counters.get(counter).increment();
    }

    public void add(VexCounter counter, long amount) {
        counters.get(counter).increment(amount);
    }

    /**
     * Samples {@code source} whenever metrics are read. Each gauge may be bound once. Held
     * strongly: Micrometer keeps sources weakly by default, and a lambda would be collected.
     */
    public void bind(VexGauge gauge, DoubleSupplier source) {
        register(gauge.metricName(), gauge.help(), gauge.baseUnit(), gauge.monotonic(), source);
    }

    /**
     * A gauge outside {@link VexGauge}, e.g. from another component's statistics; {@code name}
     * is a dotted Micrometer name ("vexfs.pool.tier.hits") and must not be taken yet.
     */
    public void gauge(String name, String help, DoubleSupplier source) {
        register(name, help, null, false, source);
    }

    private void register(String name, String help, String baseUnit, boolean monotonic, DoubleSupplier source) {
        keepAlive.add(source);
        sampled.compute(name, (n, existing) -> {
            if (existing != null) {
                throw new IllegalStateException("metric " + n + " is already bound");
            }
            return monotonic
                    ? FunctionCounter.builder(n, source, DoubleSupplier::getAsDouble)
                            .description(help).baseUnit(baseUnit).register(registry)
                    : Gauge.builder(n, source, DoubleSupplier::getAsDouble)
                            .description(help).baseUnit(baseUnit).strongReference(true).register(registry);
        });
    }

    /** {@code refresh} runs before every {@link #scrape}, e.g. to add and remove the series of a per-collection gauge. */
    public void beforeScrape(Runnable refresh) {
        beforeScrape.add(refresh);
    }

    /** The Prometheus text exposition format (version 0.0.4), as served by .vexfs/metrics. */
    public String scrape() {
        for (Runnable refresh : beforeScrape) {
            refresh.run();
        }
        return registry.scrape();
    }

    /** The registry, for binders of other libraries (e.g. Caffeine's cache metrics). */
    public MeterRegistry registry() {
        return registry;
    }

    public MetricsSnapshot snapshot() {
        Instant now = Instant.now();
        List<OpStats> ops = new ArrayList<>();
        opTimers.forEach((op, timer) -> ops.add(opStats(op, timer.takeSnapshot())));
        ops.sort(Comparator.comparing(OpStats::op));
        Map<String, Double> values = new HashMap<>();
        counters.forEach((c, counter) -> values.put(c.metricName(), counter.count()));
        sampled.forEach((name, meter) -> values.put(name, switch (meter) {
            case FunctionCounter counter -> counter.count();
            case Gauge gauge -> gauge.value();
            default -> throw new IllegalStateException("unexpected meter " + meter.getId());
        }));
        return new MetricsSnapshot(now, Duration.between(started, now), ops, values);
    }

    private static OpStats opStats(String op, HistogramSnapshot h) {
        double[] micros = new double[PERCENTILES.length];
        for (ValueAtPercentile v : h.percentileValues()) {
            for (int i = 0; i < PERCENTILES.length; i++) {
                if (v.percentile() == PERCENTILES[i]) {
                    micros[i] = v.value(TimeUnit.MICROSECONDS);
                }
            }
        }
        return new OpStats(op, h.count(), h.mean(TimeUnit.MICROSECONDS), micros[0], micros[1], micros[2],
                h.max(TimeUnit.MICROSECONDS));
    }
}
