package io.statestore.spi;

import io.statestore.Subscription;
import io.statestore.WatchEvent;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The subscriptions of one store and the delivery of its events: a backend calls {@link #publish} where a
 * change is applied (inside whatever makes the change atomic for its key, so that a key's events are published
 * in the order its changes are applied); each subscription buffers up to {@link #BUFFER} events and delivers
 * them one at a time on a shared pool of daemon threads. A full buffer is emptied and replaced by one
 * {@link WatchEvent.Kind#LOST}: publishing never blocks and memory stays bounded. With no subscription,
 * publishing costs one volatile read (of the list itself: a separate "anyone watching" flag, kept beside it,
 * could be left false by a close racing a new subscription, and that one would miss events).
 */
public final class Watchers {

    /** How many events a subscription holds for a listener that has not taken them yet. */
    public static final int BUFFER = 10_000;

    private static final ExecutorService DELIVERY = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "statestore-watch");
        thread.setDaemon(true);
        return thread;
    });

    private final CopyOnWriteArrayList<Watch> watches = new CopyOnWriteArrayList<>();

    /**
     * Adds a subscription.
     *
     * @param prefix   the keys it watches
     * @param listener what it tells
     * @return the subscription
     */
    public Subscription subscribe(String prefix, Consumer<WatchEvent> listener) {
        Watch watch = new Watch(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(listener, "listener"));
        watches.add(watch);
        return watch;
    }

    /**
     * Tells whether anyone watches: a backend may skip work for events when nobody does.
     *
     * @return {@code true} if a subscription is open
     */
    public boolean watched() {
        return !watches.isEmpty();
    }

    /**
     * Publishes a change of {@code key} to the subscriptions whose prefix it has; {@code event} is made only if
     * one has it.
     *
     * @param key   the key changed
     * @param event makes the event (a value safe to give a listener)
     */
    public void publish(String key, Supplier<WatchEvent> event) {
        if (watches.isEmpty()) {
            return;
        }
        WatchEvent made = null;
        for (Watch watch : watches) {
            if (key.startsWith(watch.prefix)) {
                if (made == null) {
                    made = event.get();
                }
                watch.offer(made);
            }
        }
    }

    /** Tells every subscription that events may have been missed. */
    public void lost() {
        for (Watch watch : watches) {
            watch.offer(WatchEvent.lost());
        }
    }

    /** Closes every subscription: the store is closing. */
    public void closeAll() {
        for (Watch watch : watches) {
            watch.close();
        }
    }

    /** One subscription: its buffer, and whether a delivery task is running for it. */
    private final class Watch implements Subscription {
        final String prefix;
        final Consumer<WatchEvent> listener;
        final ArrayBlockingQueue<WatchEvent> buffer = new ArrayBlockingQueue<>(BUFFER);
        final AtomicBoolean delivering = new AtomicBoolean();
        volatile boolean closed;

        Watch(String prefix, Consumer<WatchEvent> listener) {
            this.prefix = prefix;
            this.listener = listener;
        }

        void offer(WatchEvent event) {
            if (closed) {
                return;
            }
            if (!buffer.offer(event)) {
                synchronized (buffer) {
                    buffer.clear();
                    buffer.offer(WatchEvent.lost());
                    buffer.offer(event);
                }
            }
            if (delivering.compareAndSet(false, true)) {
                DELIVERY.execute(this::deliver);
            }
        }

        private void deliver() {
            while (true) {
                WatchEvent event;
                while (!closed && (event = buffer.poll()) != null) {
                    try {
                        listener.accept(event);
                    } catch (RuntimeException e) {
                        // The listener's own failure: the subscription goes on with the next event.
                    }
                }
                delivering.set(false);
                // An event offered after the last poll and before the flag was cleared is delivered here.
                if (closed || buffer.isEmpty() || !delivering.compareAndSet(false, true)) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            watches.remove(this);
            buffer.clear();
        }
    }
}
