package io.statestore.python.cli;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeOptions;
import io.statestore.python.StateBridge;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code statestore serve}: serves a store until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves a store to Python workers until stopped (SIGTERM or Ctrl-C), then closes the store"
                + " and removes the socket file.",
                "When listening, prints STATESTORE_ADDRESS=<address> per address (unix first),"
                + " STATESTORE_TOKEN=<token> when the token was generated, then the line 'ready'.",
                "With neither --unix nor --tcp, serves a Unix socket in a fresh private temporary directory."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--store", required = true, paramLabel = "URI",
            description = "The store: memory:, memory:NAME, mapdb:PATH, hazelcast:?members=HOST:PORT,...")
    String store;

    @Option(names = "--unix", paramLabel = "PATH", description = "Serve a Unix domain socket at PATH (mode 0600).")
    Path unix;

    @Option(names = "--tcp", paramLabel = "HOST:PORT",
            description = "Serve TCP on HOST:PORT, for example 127.0.0.1:7700; port 0 picks a free port.")
    String tcp;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The token clients must present; default: a random one, printed.")
    String token;

    @Option(names = "--max-frame", paramLabel = "BYTES",
            description = "The largest request frame accepted; default: ${DEFAULT-VALUE}.")
    int maxFrame = BridgeOptions.DEFAULT_MAX_FRAME_BYTES;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "The most authenticated connections open at once; default: ${DEFAULT-VALUE}.")
    int maxConnections = BridgeOptions.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--max-pending-connections", paramLabel = "N",
            description = "The most connections per listener that have not said hello yet; one more closes the"
                    + " oldest. Default: ${DEFAULT-VALUE}.")
    int maxPendingConnections = BridgeOptions.DEFAULT_MAX_PENDING_CONNECTIONS;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS",
            description = "Seconds a new connection has to say hello; default: ${DEFAULT-VALUE}.")
    double handshakeTimeout = BridgeOptions.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS;

    @Option(names = "--frame-timeout", paramLabel = "SECONDS",
            description = "Seconds a frame whose first bytes arrived has to arrive whole; default: ${DEFAULT-VALUE}.")
    double frameTimeout = BridgeOptions.DEFAULT_FRAME_TIMEOUT_SECONDS;

    @Override
    public Integer call() throws Exception {
        BridgeOptions.Builder builder = BridgeOptions.builder()
                .unixSocket(unix)
                .token(token)
                .maxFrameBytes(maxFrame)
                .maxConnections(maxConnections)
                .maxPendingConnections(maxPendingConnections)
                .handshakeTimeout(Duration.ofMillis(Math.max(1, Math.round(handshakeTimeout * 1000))))
                .frameTimeout(Duration.ofMillis(Math.max(1, Math.round(frameTimeout * 1000))));
        if (tcp != null) {
            builder.tcp(BridgeAddress.parseHostPort(tcp));
        }
        BridgeOptions options = builder.build();
        StateStore opened = StateStores.open(store);
        StateBridge bridge;
        try {
            bridge = StateBridge.start(opened, options);
        } catch (Exception e) {
            opened.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                bridge.close();
            } finally {
                opened.close();
                stopped.countDown();
            }
        }, "statestore-serve-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        for (BridgeAddress address : bridge.addresses()) {
            out.println(StateBridge.ADDRESS_VARIABLE + "=" + address);
        }
        if (options.tokenGenerated()) {
            out.println(StateBridge.TOKEN_VARIABLE + "=" + bridge.token());
        }
        out.println("ready");
        out.flush();
        stopped.await();
        return 0;
    }
}
