package io.statestore.python;

import io.statestore.StateStore;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a {@link StateStore} to other processes, above all Python workers, over the statestore bridge
 * protocol (see {@code docs/protocol.md}): length-prefixed msgpack frames on a Unix domain socket and/or
 * TCP, a token checked at hello, requests answered in order and pipelining allowed.
 *
 * <pre>{@code
 * try (StateStore store = StateStores.open("memory:");
 *      StateBridge bridge = StateBridge.start(store, BridgeOptions.defaults())) {
 *     ProcessBuilder worker = new ProcessBuilder("python3", "worker.py");
 *     worker.environment().putAll(bridge.environment());
 *     ...
 * }
 * }</pre>
 *
 * <p>A Unix socket file is made with mode 0600 before anyone can connect to it, and removed on close; at a
 * given path, one server at a time: the path's lock file ({@code PATH.lock}) is held from before the socket is
 * made until after it is removed. Each listener handles the connections that have not said hello yet on one
 * thread, at most {@link BridgeOptions#maxPendingConnections()} of them (a new one closes the oldest) and each
 * for at most {@link BridgeOptions#handshakeTimeout()}; a connection whose hello succeeded counts against
 * {@link BridgeOptions#maxConnections()} and is served by a thread of its own, which bounds the threads. A
 * frame that starts arriving must arrive whole within {@link BridgeOptions#frameTimeout()}. A misbehaving client
 * gets an error reply or a closed connection; the server and its other clients carry on. Thread-safe.
 *
 * <p><b>The store is not the bridge's:</b> {@link #close()} stops serving but leaves the store open; the
 * caller that opened the store closes it.
 */
public final class StateBridge implements AutoCloseable {

    /** The environment variable that tells a worker where the bridge listens: {@value}. */
    public static final String ADDRESS_VARIABLE = "STATESTORE_ADDRESS";

    /** The environment variable that holds the token: {@value}. */
    public static final String TOKEN_VARIABLE = "STATESTORE_TOKEN";

    /**
     * The listen backlog asked for (the kernel may cap it, on Linux at {@code net.core.somaxconn}): deep, so
     * that a burst of connections waits in the kernel for the listener rather than being refused, which over
     * TCP would cost a client a retransmission (a second or more).
     */
    private static final int LISTEN_BACKLOG = 4096;

    private static final Logger LOGGER = System.getLogger(StateBridge.class.getName());

    private final StateStore store;
    private final BridgeOptions options;
    private final byte[] token;
    private final List<BridgeListener> listeners = new ArrayList<>();
    private final Set<BridgeConnection> connections = ConcurrentHashMap.newKeySet();
    private final Map<BridgeConnection, Thread> threads = new ConcurrentHashMap<>();
    /** Authenticated connections open (or being handed to their thread): the count maxConnections bounds. */
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong connectionNumbers = new AtomicLong();
    private final AtomicLong unexpectedFailures = new AtomicLong();
    private final Map<String, AtomicLong> problems = new ConcurrentHashMap<>();
    /** Closes connections whose frame does not arrive in time, and lingering ones after a final reply. */
    private final ScheduledThreadPoolExecutor watchdog;
    private volatile boolean closed;
    private UnixSocketFile unixSocket;

    private StateBridge(StateStore store, BridgeOptions options) {
        this.store = store;
        this.options = options;
        this.token = options.token().getBytes(StandardCharsets.UTF_8);
        this.watchdog = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "statestore-bridge-timer");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.setRemoveOnCancelPolicy(true);
    }

    /**
     * Starts serving a store.
     *
     * @param store   the store to serve; it stays the caller's to close, after the bridge
     * @param options where to listen and what to allow
     * @return the running bridge
     * @throws IOException              if a socket cannot be bound (the message names the address)
     * @throws IllegalArgumentException if a Unix socket path is served by another server (in this process or
     *                                  another), or taken by something that is not a stale socket
     */
    public static StateBridge start(StateStore store, BridgeOptions options) throws IOException {
        java.util.Objects.requireNonNull(store, "store");
        java.util.Objects.requireNonNull(options, "options");
        StateBridge bridge = new StateBridge(store, options);
        try {
            if (options.usesPrivateUnixSocket() || options.unixSocket() != null) {
                bridge.unixSocket = options.unixSocket() == null ? UnixSocketFile.createPrivate(LISTEN_BACKLOG)
                        : UnixSocketFile.create(options.unixSocket(), LISTEN_BACKLOG);
                bridge.listeners.add(new BridgeListener(bridge, bridge.unixSocket.channel(),
                        BridgeAddress.unix(bridge.unixSocket.path())));
            }
            if (options.tcp() != null) {
                bridge.bindTcp(options.tcp());
            }
        } catch (IOException | RuntimeException e) {
            bridge.close();
            throw e;
        }
        bridge.listeners.forEach(BridgeListener::start);
        LOGGER.log(Level.DEBUG, () -> "statestore bridge listening on " + bridge.addresses());
        return bridge;
    }

    private void bindTcp(BridgeAddress address) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.bind(address.toSocketAddress(), LISTEN_BACKLOG);
            java.net.InetSocketAddress bound = (java.net.InetSocketAddress) channel.getLocalAddress();
            listeners.add(new BridgeListener(this, channel,
                    BridgeAddress.tcp(bound.getAddress().getHostAddress(), bound.getPort())));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    byte[] tokenBytes() {
        return token;
    }

    /**
     * Takes a place among the authenticated connections for a connection whose hello is good.
     *
     * @return false when {@link BridgeOptions#maxConnections()} are open: the hello is answered SERVER_BUSY
     */
    boolean takePlace(BridgeConnection connection) {
        while (true) {
            int now = open.get();
            if (now >= options.maxConnections() || closed) {
                return false;
            }
            if (open.compareAndSet(now, now + 1)) {
                connection.holdsPlace.set(true);
                return true;
            }
        }
    }

    /** Serves an authenticated connection, blocking now, on a thread of its own. */
    void serve(BridgeConnection connection) {
        connections.add(connection);
        Thread thread = new Thread(connection, "statestore-bridge-connection-" + connectionNumbers.incrementAndGet());
        thread.setDaemon(true);
        threads.put(connection, thread);
        try {
            thread.start();
        } catch (OutOfMemoryError e) {
            // No thread to be had (a process limit): drop this client, keep serving the others.
            LOGGER.log(Level.WARNING, "statestore bridge: cannot start a thread for a new connection: " + e);
            connection.close("no thread");
            connectionClosed(connection, "no thread");
            return;
        }
        if (closed) {
            connection.close("bridge closed");
        }
    }

    void closeLater(BridgeConnection connection, long millis) {
        try {
            watchdog.schedule(() -> connection.close("closed after a final reply"), millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            connection.close("bridge closed");
        }
    }

    /** Closes the connection unless the frame it is reading arrives whole within the frame timeout. */
    ScheduledFuture<?> closeUnlessFrameArrives(BridgeConnection connection) {
        long millis = options.frameTimeout().toMillis();
        try {
            return watchdog.schedule(() -> {
                problem("connection closed, frame not completed in time", "a frame did not arrive whole within "
                        + millis + " ms (--frame-timeout)");
                connection.close("frame not complete within " + millis + " ms");
            }, options.frameTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            connection.close("bridge closed");
            return null;
        }
    }

    void connectionClosed(BridgeConnection connection, String reason) {
        connections.remove(connection);
        if (connection.holdsPlace.compareAndSet(true, false)) {
            open.decrementAndGet();
        }
        threads.remove(connection);
        LOGGER.log(Level.DEBUG, () -> "statestore bridge: connection closed: " + reason);
    }

    void logUnexpected(String op, RuntimeException e) {
        // One stack trace says what is wrong; repeating it per request would drown the log.
        long count = unexpectedFailures.incrementAndGet();
        if (count == 1) {
            LOGGER.log(Level.WARNING, "statestore bridge: the store failed unexpectedly in op \"" + op
                    + "\"; replied STORE_ERROR (later failures are logged without stack trace)", e);
        } else if (Long.bitCount(count) == 1) {
            LOGGER.log(Level.WARNING, "statestore bridge: " + count + " unexpected store failures so far; latest in"
                    + " op \"" + op + "\": " + e);
        }
    }

    /**
     * Logs a client problem (a refused token, a frame too large, a silent connection) compactly: the first of
     * each kind, then only at counts 2, 4, 8, ..., so a misbehaving client cannot flood the log.
     */
    void problem(String kind, String detail) {
        long count = problems.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        if (Long.bitCount(count) == 1) {
            LOGGER.log(Level.INFO, "statestore bridge: " + kind + " (" + count + (count == 1 ? " time" : " times")
                    + " so far): " + detail);
        }
    }

    /** The number of requests that failed in a way the protocol does not name; for tests and diagnostics. */
    long unexpectedFailures() {
        return unexpectedFailures.get();
    }

    Logger logger() {
        return LOGGER;
    }

    /**
     * Returns the addresses served, the Unix socket first.
     *
     * @return the addresses, as clients write them ({@code unix:/...}, {@code tcp:127.0.0.1:PORT})
     */
    public List<BridgeAddress> addresses() {
        List<BridgeAddress> addresses = new ArrayList<>();
        listeners.forEach(listener -> addresses.add(listener.address()));
        return Collections.unmodifiableList(addresses);
    }

    /**
     * Returns the address workers are given: the Unix socket if served, else TCP.
     *
     * @return the first of {@link #addresses()}
     */
    public BridgeAddress address() {
        return listeners.get(0).address();
    }

    /**
     * Returns the token clients present at hello.
     *
     * @return the token
     */
    public String token() {
        return options.token();
    }

    /**
     * Returns the options the bridge was started with.
     *
     * @return the options
     */
    public BridgeOptions options() {
        return options;
    }

    /**
     * Returns the store served.
     *
     * @return the store, which the caller still owns
     */
    public StateStore store() {
        return store;
    }

    /**
     * Returns how many authenticated connections are open now: the number {@link BridgeOptions#maxConnections()}
     * bounds. Connections that have not completed their hello are not counted.
     *
     * @return the number of authenticated connections
     */
    public int connectionCount() {
        return open.get();
    }

    /** How many connections wait for their hello (or linger after a final reply before it), over every listener. */
    int pendingConnectionCount() {
        return listeners.stream().mapToInt(BridgeListener::pendingCount).sum();
    }

    /** How many connections waiting for their hello were closed to admit newer ones, over every listener. */
    long evictedConnections() {
        return listeners.stream().mapToLong(BridgeListener::evictions).sum();
    }

    /**
     * Returns the environment a worker process needs: {@value #ADDRESS_VARIABLE}, {@value #TOKEN_VARIABLE},
     * and {@code PYTHONPATH} with the directory of the bundled Python package first (followed by this
     * process's own {@code PYTHONPATH}, if set). The package is extracted from the jar on first use.
     *
     * @return an unmodifiable map to add to a {@link ProcessBuilder}'s environment
     * @throws UncheckedIOException if the Python package cannot be extracted
     */
    public Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put(ADDRESS_VARIABLE, address().toString());
        environment.put(TOKEN_VARIABLE, token());
        String inherited = System.getenv("PYTHONPATH");
        String packageDirectory = PythonPackage.directory().toString();
        environment.put("PYTHONPATH", inherited == null || inherited.isEmpty() ? packageDirectory
                : packageDirectory + File.pathSeparator + inherited);
        return Collections.unmodifiableMap(environment);
    }

    /**
     * Stops serving: stops accepting, closes every connection, waits briefly for requests in progress, and
     * removes the Unix socket file (then releases the path's lock). Does <b>not</b> close the store. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        listeners.forEach(BridgeListener::close);
        for (BridgeConnection connection : connections) {
            connection.close("bridge closed");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Thread thread : new ArrayList<>(threads.values())) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        // Pending tasks close sockets (lingering ones): run them now rather than drop them.
        watchdog.shutdownNow().forEach(Runnable::run);
        if (unixSocket != null) {
            try {
                unixSocket.close();
            } catch (IOException e) {
                LOGGER.log(Level.WARNING, "statestore bridge: could not remove " + unixSocket.path() + ": " + e);
            }
        }
    }

    /**
     * Returns the version of this statestore build.
     *
     * @return the version, such as {@code 0.1.0}, or {@code "unknown"} if the build did not record it
     */
    public static String version() {
        return VersionHolder.VERSION;
    }

    private static final class VersionHolder {
        static final String VERSION = readVersion();

        private static String readVersion() {
            try (InputStream in = StateBridge.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    Properties properties = new Properties();
                    properties.load(in);
                    String version = properties.getProperty("version");
                    if (version != null && !version.startsWith("${")) {
                        return version;
                    }
                }
            } catch (IOException ignored) {
                // Fall through to "unknown".
            }
            return "unknown";
        }
    }
}
