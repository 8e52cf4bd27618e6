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
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What {@code serve --metrics HOST:PORT} publishes, in the Prometheus text format at {@code /metrics}:
 * {@code statestore_requests_seconds} (a latency histogram per op, whose count is the requests by op),
 * {@code statestore_errors_total} by error code, {@code statestore_connections} (authenticated) and
 * {@code statestore_entries} (the store's size, asked at each scrape).
 */
final class BridgeMetrics implements RequestObserver, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Timer> requests = new ConcurrentHashMap<>();
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
        requests.computeIfAbsent(op, name -> Timer.builder("statestore.requests").tag("op", name)
                .description("Requests answered, by op, from decoded request to encoded reply")
                .publishPercentileHistogram().register(registry)).record(nanos, TimeUnit.NANOSECONDS);
        if (error != null) {
            errors.get(error).increment();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        scrapes.shutdownNow();
        registry.close();
    }
}
