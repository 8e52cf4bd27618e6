package io.statestore.python;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One listening socket of a {@link StateBridge} and the connections on it that have not completed their hello,
 * all handled by one thread with a selector: it accepts, reads and answers what arrives before hello without
 * blocking, closes a connection whose hello does not come within {@link BridgeOptions#handshakeTimeout()}, and
 * hands a connection whose hello succeeded to the bridge, which serves it on a thread of its own.
 *
 * <p>Why it is built so: a connection that never says hello costs a place in this listener's queue of
 * {@link BridgeOptions#maxPendingConnections()}, not a thread and not a place among the authenticated
 * connections, and each listener has its own queue, so a flood on TCP leaves the Unix socket alone. When the
 * queue is full a new connection closes the oldest one in it (one that already got its final reply first): a
 * flood can never keep newcomers out, and a client that says hello right after connecting is only turned away
 * if as many connections as the queue holds arrive before its hello is read. A new connection's hello is read
 * at once when it is already there, which is the usual case, and what is ready to read is read before more
 * connections are accepted.
 */
final class BridgeListener implements Runnable {

    /** How long a connection that got a final reply before hello is kept, reading and dropping, then closed. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long accepting pauses after it failed (typically out of file descriptors), instead of spinning. */
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final StateBridge bridge;
    private final ServerSocketChannel server;
    private final BridgeAddress address;
    private final Selector selector;
    private final SelectionKey acceptKey;
    private final int maxPending;
    private final long handshakeNanos;
    /** At most this many connections are accepted between two looks at what the waiting ones sent. */
    private final int acceptBatch;
    /** Connections waiting for their hello, oldest first, so their deadlines come in this order too. */
    private final LinkedHashSet<Pending> waiting = new LinkedHashSet<>();
    /** Connections that got a final reply and are closed when the peer closes or their linger ends, oldest first. */
    private final LinkedHashSet<Pending> lingering = new LinkedHashSet<>();
    private final List<Pending> handOffs = new ArrayList<>();
    private final ByteBuffer sink = ByteBuffer.allocate(4096);
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicLong evictions = new AtomicLong();
    private volatile boolean closed;
    private Thread thread;
    /** While accepting pauses, when it resumes (System.nanoTime()); 0 when it does not pause. */
    private long acceptResumes;

    /** A connection before its hello, with its selection key and the time it must be gone by. */
    private static final class Pending {
        final BridgeConnection connection;
        SelectionKey key;
        long deadline;

        Pending(BridgeConnection connection) {
            this.connection = connection;
        }
    }

    BridgeListener(StateBridge bridge, ServerSocketChannel server, BridgeAddress address) throws IOException {
        this.bridge = bridge;
        this.server = server;
        this.address = address;
        this.maxPending = bridge.options().maxPendingConnections();
        this.handshakeNanos = bridge.options().handshakeTimeout().toNanos();
        this.acceptBatch = Math.max(1, maxPending / 2);
        this.selector = Selector.open();
        try {
            server.configureBlocking(false);
            acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    BridgeAddress address() {
        return address;
    }

    /** How many connections wait for their hello (or linger after a final reply) now. */
    int pendingCount() {
        return pendingCount.get();
    }

    /** How many connections waiting for their hello were closed to admit newer ones. */
    long evictions() {
        return evictions.get();
    }

    void start() {
        thread = new Thread(this, "statestore-bridge-listener-" + address);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops accepting and closes the connections still before hello; returns when the thread has ended. */
    void close() {
        closed = true;
        selector.wakeup();
        if (thread == null) {
            // Never started (the bridge failed to start): nothing else closes them.
            closeQuietly(selector);
        } else if (thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(server);
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                select();
                boolean acceptable = false;
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.attachment() == null) {
                        acceptable = true;
                    } else {
                        readable((Pending) key.attachment());
                    }
                }
                // Accept after reading, so that a waiting connection whose hello came is not closed for a newer one.
                if (acceptable) {
                    acceptSome();
                }
                resumeAccepting(System.nanoTime());
                expire(System.nanoTime());
                handOff();
            }
        } catch (ClosedSelectorException e) {
            // Closed under us: the bridge is closing.
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                bridge.logger().log(Level.ERROR, "statestore bridge: the listener on " + address
                        + " failed; it accepts no more connections", e);
            }
        } finally {
            for (Pending pending : new ArrayList<>(waiting)) {
                remove(pending, "bridge closed");
            }
            for (Pending pending : new ArrayList<>(lingering)) {
                remove(pending, "bridge closed");
            }
            for (Pending pending : handOffs) {
                pending.connection.close("bridge closed");
                bridge.connectionClosed(pending.connection, "bridge closed");
            }
            handOffs.clear();
            closeQuietly(selector);
            closeQuietly(server);
        }
    }

    /** Waits for something to read or accept, or for the next deadline; keys selected earlier count at once. */
    private void select() throws IOException {
        if (!selector.selectedKeys().isEmpty()) {
            selector.selectNow();
            return;
        }
        Pending next = nextToExpire();
        if (next == null && acceptResumes == 0) {
            selector.select();
            return;
        }
        long wake = next == null ? acceptResumes
                : acceptResumes == 0 || next.deadline - acceptResumes < 0 ? next.deadline : acceptResumes;
        long millis = TimeUnit.NANOSECONDS.toMillis(wake - System.nanoTime() + 999_999);
        if (millis <= 0) {
            selector.selectNow();
        } else {
            selector.select(millis);
        }
    }

    /** The queued connection whose deadline comes first: the oldest of one of the two queues. */
    private Pending nextToExpire() {
        Pending waiter = waiting.isEmpty() ? null : waiting.iterator().next();
        Pending lingerer = lingering.isEmpty() ? null : lingering.iterator().next();
        if (waiter == null || lingerer == null) {
            return waiter == null ? lingerer : waiter;
        }
        return lingerer.deadline - waiter.deadline < 0 ? lingerer : waiter;
    }

    private void acceptSome() throws IOException {
        for (int i = 0; i < acceptBatch && !closed; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                // Typically out of file descriptors: pause accepting a moment, serving the waiting ones meanwhile.
                bridge.problem("accepting a connection failed", address + ": " + e);
                acceptKey.interestOps(0);
                acceptResumes = System.nanoTime() + ACCEPT_PAUSE_NANOS;
                if (acceptResumes == 0) {
                    acceptResumes = 1;
                }
                return;
            }
            if (channel == null) {
                return;
            }
            admit(channel);
        }
    }

    private void resumeAccepting(long now) {
        if (acceptResumes != 0 && now - acceptResumes >= 0) {
            acceptResumes = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    /** Takes a new connection: reads its hello at once if it is there, else queues it, making room if needed. */
    private void admit(SocketChannel channel) {
        BridgeConnection connection = new BridgeConnection(bridge, channel, bridge.store(), bridge.tokenBytes(),
                bridge.options().maxFrameBytes());
        Pending pending = new Pending(connection);
        BridgeConnection.Stage stage;
        try {
            channel.configureBlocking(false);
            stage = connection.readBeforeHello();
        } catch (IOException | RuntimeException e) {
            connection.close(e.toString());
            return;
        }
        if (stage == BridgeConnection.Stage.AUTHENTICATED) {
            // Not registered with the selector, so it can be made blocking and served at once.
            serve(connection);
            return;
        }
        if (stage == BridgeConnection.Stage.CLOSED) {
            connection.close(connection.closeReason());
            return;
        }
        while (waiting.size() + lingering.size() >= maxPending) {
            evictOldest();
        }
        try {
            pending.key = channel.register(selector, SelectionKey.OP_READ, pending);
        } catch (IOException e) {
            connection.close(e.toString());
            return;
        }
        pending.deadline = System.nanoTime() + handshakeNanos;
        waiting.add(pending);
        pendingCount.incrementAndGet();
        settle(pending, stage);
    }

    private static void setNoDelay(SocketChannel channel) {
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Only a latency tweak.
        }
    }

    /** Closes the oldest connection in the queue: one that already got its final reply, else the oldest waiting. */
    private void evictOldest() {
        if (!lingering.isEmpty()) {
            remove(lingering.iterator().next(), "closed to admit a newer connection");
            return;
        }
        Pending oldest = waiting.iterator().next();
        evictions.incrementAndGet();
        bridge.problem("connection closed before hello to admit a newer one", maxPending
                + " connections were waiting for their hello on " + address + ", the limit (--max-pending-connections)");
        remove(oldest, "closed before hello to admit a newer connection");
    }

    private void readable(Pending pending) {
        if (lingering.contains(pending)) {
            drain(pending);
            return;
        }
        BridgeConnection.Stage stage;
        try {
            stage = pending.connection.readBeforeHello();
        } catch (IOException | RuntimeException e) {
            remove(pending, e.toString());
            return;
        }
        settle(pending, stage);
    }

    /** Acts on where a queued connection stands after its input was read. */
    private void settle(Pending pending, BridgeConnection.Stage stage) {
        BridgeConnection connection = pending.connection;
        try {
            switch (stage) {
                case WAITING:
                    if (!connection.flushBeforeHello()) {
                        remove(pending, "peer does not read its replies");
                    }
                    return;
                case AUTHENTICATED:
                    // Served on its own thread once the selector has let go of it (see handOff).
                    waiting.remove(pending);
                    pendingCount.decrementAndGet();
                    pending.key.cancel();
                    handOffs.add(pending);
                    return;
                case FINISHED:
                    if (!connection.flushBeforeHello()) {
                        remove(pending, "peer does not read its replies");
                        return;
                    }
                    connection.channel().shutdownOutput();
                    waiting.remove(pending);
                    pending.deadline = System.nanoTime() + LINGER_NANOS;
                    lingering.add(pending);
                    return;
                default:
                    remove(pending, connection.closeReason());
            }
        } catch (IOException e) {
            remove(pending, e.toString());
        }
    }

    /** Reads and drops what a connection that got its final reply still sends; closes it at its end. */
    private void drain(Pending pending) {
        try {
            int read;
            do {
                sink.clear();
                read = pending.connection.channel().read(sink);
            } while (read > 0);
            if (read < 0) {
                remove(pending, pending.connection.closeReason());
            }
        } catch (IOException e) {
            remove(pending, e.toString());
        }
    }

    /** Closes the connections whose hello did not come in time, and those whose linger is over. */
    private void expire(long now) {
        while (!waiting.isEmpty()) {
            Pending oldest = waiting.iterator().next();
            if (oldest.deadline - now > 0) {
                break;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(handshakeNanos);
            bridge.problem("connection closed without hello", "no hello within " + millis + " ms");
            remove(oldest, "no hello within " + millis + " ms");
        }
        while (!lingering.isEmpty()) {
            Pending oldest = lingering.iterator().next();
            if (oldest.deadline - now > 0) {
                break;
            }
            remove(oldest, oldest.connection.closeReason());
        }
    }

    /** Hands the authenticated connections to the bridge, once a selection has deregistered their keys. */
    private void handOff() throws IOException {
        if (handOffs.isEmpty()) {
            return;
        }
        selector.selectNow();
        for (Pending pending : handOffs) {
            serve(pending.connection);
        }
        handOffs.clear();
    }

    private void serve(BridgeConnection connection) {
        try {
            if (!address.isUnix()) {
                // Set only now: a connection that never says hello does not need it.
                setNoDelay(connection.channel());
            }
            connection.channel().configureBlocking(true);
        } catch (IOException | RuntimeException e) {
            connection.close(e.toString());
            bridge.connectionClosed(connection, e.toString());
            return;
        }
        bridge.serve(connection);
    }

    private void remove(Pending pending, String reason) {
        boolean queued = waiting.remove(pending) | lingering.remove(pending);
        if (queued) {
            pendingCount.decrementAndGet();
        }
        pending.connection.close(reason);
        bridge.logger().log(Level.DEBUG, () -> "statestore bridge: connection closed before hello: " + reason);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Nothing left to release.
        }
    }
}
