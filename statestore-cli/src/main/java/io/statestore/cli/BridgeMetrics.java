package io.statestore.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.statestore.StateStore;
import io.statestore.python.ErrorCode;
import io.statestore.python.RequestObserver;
import io.statestore.python.StateBridge;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@code serve --metrics HOST:PORT} publishes, in the Prometheus text format at {@code /metrics}:
 * {@code statestore_requests_seconds} (count, total and maximum time of the requests, by op),
 * {@code statestore_request_latency_seconds} (a latency histogram of one request in {@value #LATENCY_SAMPLE}, by op),
 * {@code statestore_errors_total} by error code, {@code statestore_connections} (authenticated) and
 * {@code statestore_entries} (the store's size, asked at each scrape).
 */
final class BridgeMetrics implements RequestObserver, AutoCloseable {

    /**
     * The latency histogram's bucket bounds: from a local round trip (tens of microseconds) to a cluster
     * operation held up by a member fault (seconds). Thirteen buckets chosen for the bridge rather than
     * Micrometer's generic percentile histogram, whose 69 buckets per op made every scrape (and every
     * Prometheus series count) five times larger for no resolution where the bridge's latencies lie.
     */
    private static final Duration[] LATENCY_BUCKETS = Stream.of(25_000L, 50_000L, 100_000L, 250_000L, 500_000L,
            1_000_000L, 2_500_000L, 5_000_000L, 10_000_000L, 25_000_000L, 100_000_000L, 1_000_000_000L,
            10_000_000_000L).map(Duration::ofNanos).toArray(Duration[]::new);

    /**
     * One request in this many, at random, is also recorded in the latency histogram: recording every request
     * in a histogram cost up to a tenth of the bridge's pipelined throughput, and a random sample gives the same
     * distribution. Counts, total time and the maximum are recorded for every request.
     */
    static final int LATENCY_SAMPLE = 8;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, OpMeters> requests = new ConcurrentHashMap<>();
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
    private final HttpServer server;
    private final ExecutorService scrapes;

    /** Listens on {@code address} (port 0 picks one); serves nothing until {@link #start}. */
    BridgeMetrics(InetSocketAddress address) throws IOException {
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, Counter.builder("statestore.errors").tag("code", code.name())
                    .description("Error replies, by code").register(registry));
        }
        server = HttpServer.create(address, 16);
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        scrapes = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "statestore-metrics");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(scrapes);
    }

    /** Adds the gauges of a running bridge and its store, and starts serving scrapes. */
    void start(StateBridge bridge, StateStore store) {
        Gauge.builder("statestore.connections", bridge, StateBridge::connectionCount)
                .description("Authenticated connections open").register(registry);
        Gauge.builder("statestore.entries", store, StateStore::size)
                .description("Keys in the store").register(registry);
        server.start();
    }

    /** Where scrapes go, such as {@code http://127.0.0.1:9464/metrics}. */
    String url() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort() + "/metrics";
    }

    @Override
    public void answered(String op, ErrorCode error, long nanos) {
        OpMeters meters = requests.computeIfAbsent(op, this::metersOf);
        meters.all().record(nanos, TimeUnit.NANOSECONDS);
        if (ThreadLocalRandom.current().nextInt(LATENCY_SAMPLE) == 0) {
            meters.sampled().record(nanos, TimeUnit.NANOSECONDS);
        }
        if (error != null) {
            errors.get(error).increment();
        }
    }

    private OpMeters metersOf(String op) {
        return new OpMeters(
                Timer.builder("statestore.requests").tag("op", op)
                        .description("Requests answered, by op, from decoded request to encoded reply").register(registry),
                Timer.builder("statestore.request.latency").tag("op", op)
                        .description("Latency of one in " + LATENCY_SAMPLE + " requests, by op, picked at random")
                        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    }

    /** Every request's count, total and maximum time; the latency histogram of a sample. */
    private record OpMeters(Timer all, Timer sampled) {
    }

    @Override
    public void close() {
        server.stop(0);
        scrapes.shutdownNow();
        registry.close();
    }
}
