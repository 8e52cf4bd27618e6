package io.statestore.cli;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.python.BridgeOptions;
import io.statestore.python.PythonWorkers;
import io.statestore.python.StateBridge;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore run}: serves a store on a private socket to N workers and waits for them. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves the store on a private Unix socket, starts N workers running COMMAND with"
                + " STATESTORE_ADDRESS, STATESTORE_TOKEN, PYTHONPATH (the bundled statestore package),"
                + " STATESTORE_WORKER_INDEX and STATESTORE_WORKER_COUNT set, and forwards their output prefixed"
                + " with [worker I].",
                "Prints a line to stderr as each worker finishes. Exits with 0 if every worker succeeded, else"
                + " with the status of the first worker to fail; with 124 if --timeout passed (the workers are"
                + " stopped); 1 if run itself fails (the store, starting a worker); 2 on a usage error; 130 or 143"
                + " after SIGINT or SIGTERM, which stop the workers too.",
                "Example: statestore run --store memory: --workers 4 -- python3 count.py"})
final class RunCommand implements Callable<Integer> {

    /** The environment variable the Python package reads its near cache's prefixes from. */
    static final String NEAR_CACHE_VARIABLE = "STATESTORE_NEAR_CACHE";

    /** The exit status when the workers outlive --timeout, as coreutils timeout uses. */
    static final int TIMED_OUT = 124;

    @Spec
    CommandSpec spec;

    @Option(names = "--store", required = true, paramLabel = "URI",
            description = "The store: memory:, memory:NAME, mapdb:PATH, hazelcast:?members=HOST:PORT,...")
    String store;

    @Option(names = "--workers", required = true, paramLabel = "N", description = "How many workers to start.")
    int workers;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Stop the workers and exit with 124 if they run longer; default: no limit.")
    Double timeout;

    @Option(names = "--near-cache", paramLabel = "PREFIX", split = ",",
            description = "Give the workers' state_* functions a near cache of the keys under PREFIX (repeatable, or"
                    + " comma-separated; * for every key): read once, then served in the worker until the bridge"
                    + " tells of a change. Sets " + NEAR_CACHE_VARIABLE + ".")
    List<String> nearCache;

    @Mixin
    BridgeSettings settings;

    @Parameters(arity = "1..*", paramLabel = "COMMAND",
            description = "The worker program and its arguments, after --, for example -- python3 worker.py")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger firstFailure = new AtomicInteger();
        PythonWorkers.Builder builder = PythonWorkers.builder(command).count(workers);
        BridgeOptions options = settings.builder().build();
        StateStore opened = StateStores.open(store);
        StateBridge bridge = null;
        try {
            bridge = StateBridge.start(opened, options);
            builder.environment(bridge.environment());
            if (nearCache != null && !nearCache.isEmpty()) {
                builder.environment(java.util.Map.of(NEAR_CACHE_VARIABLE, String.join(",", nearCache)));
            }
            builder.stdout(line -> {
                        synchronized (out) {
                            out.println(line);
                            out.flush();
                        }
                    })
                    .stderr(line -> {
                        synchronized (err) {
                            err.println(line);
                            err.flush();
                        }
                    })
                    .onExit((index, status) -> {
                        if (status != 0) {
                            firstFailure.compareAndSet(0, status);
                        }
                        synchronized (err) {
                            err.println("statestore run: worker " + index + " exited with status " + status + " ("
                                    + done.incrementAndGet() + " of " + workers + " finished)");
                            err.flush();
                        }
                    });
            PythonWorkers running = builder.start();
            // On SIGTERM or Ctrl-C: stop the workers, then the bridge, then close the store cleanly.
            StateBridge serving = bridge;
            Thread stopOnSignal = new Thread(() -> {
                running.close();
                serving.close();
                opened.close();
            }, "statestore-run-shutdown");
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            try {
                Duration limit = timeout == null ? Duration.ofDays(365 * 100L)
                        : Duration.ofMillis(Math.round(timeout * 1000));
                if (!running.waitFor(limit)) {
                    synchronized (err) {
                        err.println("statestore run: workers still running after " + timeout + " s; stopping them");
                        err.flush();
                    }
                    return TIMED_OUT;
                }
            } finally {
                running.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnSignal);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is already running: it stops the workers.
                }
            }
        } finally {
            if (bridge != null) {
                bridge.close();
            }
            opened.close();
        }
        return firstFailure.get();
    }
}
