package io.statestore.cli;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeOptions;
import io.statestore.python.StateBridge;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code statestore serve}: serves a store until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = Environment.class,
        description = {"Serves a store to Python workers until stopped (SIGTERM or Ctrl-C), then closes the store,"
                + " removes the socket file and exits with 0.",
                "When listening, prints STATESTORE_ADDRESS=<address> per address (unix first),"
                + " STATESTORE_TOKEN=<token> when the token was generated, then the line 'ready'.",
                "With neither --unix nor --tcp, serves a Unix socket in a fresh private temporary directory.",
                "Every option but --token may come from the environment instead: --some-name from STATESTORE_SOME_NAME"
                + " (STATESTORE_STORE, STATESTORE_UNIX, STATESTORE_TCP, STATESTORE_TOKEN_FILE, STATESTORE_MAX_CONNECTIONS,"
                + " ...); the command line wins.",
                "Exit status: 0 stopped by SIGTERM or SIGINT; 1 a failure (the store, the address, a server already"
                + " on the socket path, the token file); 2 a usage error."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI",
            description = "The store: memory:, memory:NAME, mapdb:PATH, hazelcast:?members=HOST:PORT,...;"
                    + " required, here or as STATESTORE_STORE.")
    String store;

    @Option(names = "--unix", paramLabel = "PATH",
            description = "Serve a Unix domain socket at PATH (mode 0600), locked through PATH.lock: one server per"
                    + " path.")
    Path unix;

    @Option(names = "--tcp", paramLabel = "HOST:PORT",
            description = "Serve TCP on HOST:PORT, for example 127.0.0.1:7700; port 0 picks a free port.")
    String tcp;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Publish metrics in the Prometheus text format at http://HOST:PORT/metrics (port 0 picks"
                    + " one; printed as STATESTORE_METRICS=<url>): requests and their latency by op, errors by code,"
                    + " connections, entries.")
    String metrics;

    @Mixin
    BridgeSettings settings;

    @Override
    public Integer call() throws Exception {
        if (store == null || store.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--store=URI' (or "
                    + Environment.variableOf("--store") + ")");
        }
        BridgeOptions.Builder builder = settings.builder().unixSocket(unix);
        if (tcp != null) {
            builder.tcp(BridgeAddress.parseHostPort(tcp));
        }
        BridgeMetrics published = null;
        if (metrics != null) {
            BridgeAddress at = BridgeAddress.parseHostPort(metrics);
            published = new BridgeMetrics((InetSocketAddress) at.toSocketAddress());
            builder.requestObserver(published);
        }
        BridgeOptions options = builder.build();
        StateStore opened;
        StateBridge bridge;
        try {
            opened = StateStores.open(store);
            try {
                bridge = StateBridge.start(opened, options);
            } catch (Exception e) {
                opened.close();
                throw e;
            }
        } catch (Exception e) {
            if (published != null) {
                published.close();
            }
            throw e;
        }
        BridgeMetrics metricsServer = published;
        if (metricsServer != null) {
            metricsServer.start(bridge, opened);
        }
        // SIGTERM and SIGINT stop the server here; anything else that ends the JVM (SIGHUP, say) still closes
        // the bridge and the store, through the hook.
        Thread hook = new Thread(() -> stop(bridge, opened, metricsServer), "statestore-serve-shutdown");
        String signal;
        try (StopSignals signals = StopSignals.install()) {
            Runtime.getRuntime().addShutdownHook(hook);
            PrintWriter out = spec.commandLine().getOut();
            for (BridgeAddress address : bridge.addresses()) {
                out.println(StateBridge.ADDRESS_VARIABLE + "=" + address);
            }
            if (options.tokenGenerated()) {
                out.println(StateBridge.TOKEN_VARIABLE + "=" + bridge.token());
            }
            if (metricsServer != null) {
                out.println("STATESTORE_METRICS=" + metricsServer.url());
            }
            out.println("ready");
            out.flush();
            signal = signals.await();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is ending anyway and the hook stops the server.
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("statestore serve: " + signal + " received; stopping");
        err.flush();
        stop(bridge, opened, metricsServer);
        return 0;
    }

    private static void stop(StateBridge bridge, StateStore store, BridgeMetrics metrics) {
        try {
            if (metrics != null) {
                metrics.close();
            }
            bridge.close();
        } finally {
            store.close();
        }
    }
}
