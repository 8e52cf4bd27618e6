package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.Subscription;
import io.statestore.WatchEvent;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The subscriptions of one connection (protocol version 2) and the push frames that carry their events. The
 * store's delivery threads never block here: events wait in a queue of at most {@link #QUEUE} for a thread of
 * this connection's own that writes them, so a peer that stops reading costs one blocked thread of its own and
 * bounded memory; when the queue is full it is emptied and each subscription is sent one {@code lost} instead.
 *
 * <p>A subscription's events are held back until the reply to its {@code watch} is on the wire
 * ({@link #announce}): the subscription is registered with the store before that reply is sent, so that no change
 * made after the client learned of its subscription goes untold, and the client never sees a push for an id it
 * does not know yet.
 */
final class Pushes {

    /** How many events may wait for the peer to read them, over all the connection's subscriptions. */
    static final int QUEUE = 10_000;
    /** How many subscriptions a connection may hold at once. */
    static final int MAX_SUBSCRIPTIONS = 64;

    /** One subscription: its id on this connection, the store's subscription, and whether its id was sent. */
    private static final class Watch {
        final long id;
        Subscription subscription;
        boolean announced;
        boolean closed;

        Watch(long id) {
            this.id = id;
        }
    }

    private record Push(Watch watch, WatchEvent event) {
    }

    private final SocketChannel channel;
    /** Held while writing to the channel, by this writer and by the connection's replies alike. */
    private final Object writeLock;
    private final ArrayDeque<Push> queue = new ArrayDeque<>();
    private final Map<Long, Watch> watches = new LinkedHashMap<>();
    private final FrameOutput out = new FrameOutput();
    private long nextId = 1;
    private boolean closed;
    private Thread writer;

    Pushes(SocketChannel channel, Object writeLock) {
        this.channel = channel;
        this.writeLock = writeLock;
    }

    /**
     * Registers a subscription with the store; its events wait until {@link #announce}.
     *
     * @return the subscription's id on this connection
     * @throws Operation.Refusal when the connection holds the most subscriptions it may
     */
    long watch(StateStore store, String prefix) {
        Watch watch;
        synchronized (queue) {
            if (watches.size() >= MAX_SUBSCRIPTIONS) {
                throw new Operation.Refusal(ErrorCode.BAD_ARGUMENT, "this connection holds " + MAX_SUBSCRIPTIONS
                        + " subscriptions, the most it may; unwatch one first");
            }
            watch = new Watch(nextId++);
            watches.put(watch.id, watch);
            if (writer == null) {
                writer = new Thread(this::write, "statestore-bridge-push");
                writer.setDaemon(true);
                writer.start();
            }
        }
        Subscription subscription;
        try {
            subscription = store.watch(prefix, event -> offer(watch, event));
        } catch (RuntimeException e) {
            synchronized (queue) {
                watches.remove(watch.id);
            }
            throw e;
        }
        synchronized (queue) {
            watch.subscription = subscription;
            if (watch.closed) {
                subscription.close();
            }
        }
        return watch.id;
    }

    /** The replies to every {@code watch} so far are on the wire: their events may follow. */
    void announce() {
        synchronized (queue) {
            watches.values().forEach(watch -> watch.announced = true);
            queue.notifyAll();
        }
    }

    /**
     * Ends a subscription; events of it still queued are not sent.
     *
     * @return whether it was open
     */
    boolean unwatch(long id) {
        Watch watch;
        synchronized (queue) {
            watch = watches.remove(id);
            if (watch == null) {
                return false;
            }
            watch.closed = true;
        }
        if (watch.subscription != null) {
            watch.subscription.close();
        }
        return true;
    }

    /** The connection is closing: every subscription ends and the writer stops. */
    void close() {
        Watch[] open;
        synchronized (queue) {
            closed = true;
            open = watches.values().toArray(Watch[]::new);
            watches.clear();
            queue.clear();
            queue.notifyAll();
        }
        for (Watch watch : open) {
            watch.closed = true;
            if (watch.subscription != null) {
                watch.subscription.close();
            }
        }
    }

    private void offer(Watch watch, WatchEvent event) {
        synchronized (queue) {
            if (closed || watch.closed) {
                return;
            }
            if (queue.size() >= QUEUE) {
                // The peer reads too slowly: what it has not read is replaced by one "lost" per subscription.
                queue.clear();
                for (Watch open : watches.values()) {
                    queue.add(new Push(open, WatchEvent.lost()));
                }
            }
            queue.add(new Push(watch, event));
            queue.notifyAll();
        }
    }

    /** The writer's loop: sends the events of announced subscriptions, in the order they were offered. */
    private void write() {
        try {
            while (true) {
                synchronized (queue) {
                    while (!closed && (queue.isEmpty() || !queue.peek().watch().announced)) {
                        queue.wait();
                    }
                    if (closed) {
                        return;
                    }
                    Push push;
                    while (out.size() < 64 * 1024 && (push = queue.peek()) != null && push.watch().announced) {
                        queue.poll();
                        if (!push.watch().closed) {
                            out.event(push.watch().id, push.event());
                        }
                    }
                }
                synchronized (writeLock) {
                    out.flushTo(channel);
                }
                out.trim();
            }
        } catch (IOException | InterruptedException e) {
            // The connection is closing (its thread closes the subscriptions) or the peer is gone.
        }
    }
}
