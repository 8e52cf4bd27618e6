package io.statestore.python;

import io.statestore.StateStoreException;
import io.statestore.Subscription;
import io.statestore.WatchEvent;
import io.statestore.spi.Watchers;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The connection a {@link BridgeClient} watches keys on (protocol version 2): one thread reads it, matching
 * replies to the requests waiting in order and handing each push frame to the subscription it names, whose
 * events are then delivered as a local store's are ({@link Watchers}: bounded, a stalled listener gets LOST).
 * When the connection is lost every subscription gets LOST and no more events; watching again opens a new one.
 */
final class BridgeWatchConnection implements AutoCloseable {

    private static final long REPLY_TIMEOUT_SECONDS = 30;

    /** A request waiting for its reply, and what the reading thread does with a successful one first. */
    private record Waiting(CompletableFuture<BridgeClient.Reply> reply, Consumer<Object> onSuccess) {
    }

    private final BridgeClient connection;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final Map<Long, Watchers> subscriptions = new ConcurrentHashMap<>();
    private volatile boolean lost;

    BridgeWatchConnection(BridgeClient connection) {
        this.connection = connection;
        Object version = connection.serverInfo().get("version");
        if (!(version instanceof Long) || (Long) version < Protocol.WATCH_VERSION) {
            connection.close();
            throw new StateStoreException("the bridge speaks protocol version " + version + "; watching needs "
                    + Protocol.WATCH_VERSION);
        }
        Thread reader = new Thread(this::read, "statestore-bridge-watch");
        reader.setDaemon(true);
        reader.start();
    }

    boolean lost() {
        return lost;
    }

    /** Subscribes to the keys under {@code prefix} on the bridge. */
    Subscription watch(String prefix, Consumer<WatchEvent> listener) {
        Watchers local = new Watchers();
        Subscription delivery = local.subscribe("", listener);
        Object id = send(Operation.WATCH, result -> subscriptions.put((Long) result, local), prefix);
        return () -> {
            delivery.close();
            if (subscriptions.remove((Long) id) != null && !lost) {
                try {
                    send(Operation.UNWATCH, result -> { }, id);
                } catch (RuntimeException e) {
                    // The connection is going: the bridge ends its subscriptions with it.
                }
            }
        };
    }

    private Object send(Operation op, Consumer<Object> onSuccess, Object... args) {
        CompletableFuture<BridgeClient.Reply> reply = new CompletableFuture<>();
        synchronized (waiting) {
            if (lost) {
                throw new BridgeException("the watch connection to the bridge was lost", null);
            }
            waiting.add(new Waiting(reply, onSuccess));
            try {
                connection.send(op.wireName(), args);
            } catch (RuntimeException e) {
                waiting.removeLast();
                throw e;
            }
        }
        try {
            return BridgeClient.resultOf(reply.get(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            throw new BridgeException("the watch connection to the bridge was lost: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new BridgeException("the bridge did not answer " + op.wireName() + " within "
                    + REPLY_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BridgeException("interrupted waiting for the bridge", e);
        }
    }

    private void read() {
        DataInputStream in = connection.input();
        try {
            while (true) {
                List<?> frame = BridgeClient.readFrame(in);
                if (frame.size() == 6 && frame.get(0) == null && Protocol.EVENT_PUSH.equals(frame.get(1))) {
                    push(frame);
                    continue;
                }
                BridgeClient.Reply reply = BridgeClient.reply(frame);
                Waiting next;
                synchronized (waiting) {
                    next = waiting.poll();
                }
                if (next == null) {
                    throw new IOException("the bridge sent a reply nobody waits for");
                }
                if (reply.code() == 0) {
                    next.onSuccess().accept(reply.result());
                }
                next.reply().complete(reply);
            }
        } catch (IOException | RuntimeException e) {
            synchronized (waiting) {
                lost = true;
                waiting.forEach(w -> w.reply().completeExceptionally(e));
                waiting.clear();
            }
            subscriptions.values().forEach(Watchers::lost);
            subscriptions.clear();
            connection.close();
        }
    }

    private void push(List<?> frame) {
        Watchers local = subscriptions.get((Long) frame.get(2));
        if (local == null) {
            return; // unwatched meanwhile
        }
        String key = (String) frame.get(4);
        WatchEvent.Kind kind = Protocol.kindNamed(String.valueOf(frame.get(3)));
        switch (kind == null ? WatchEvent.Kind.LOST : kind) {
            case SET -> local.publish(key, () -> WatchEvent.set(key, frame.get(5)));
            case DELETE -> local.publish(key, () -> WatchEvent.delete(key));
            case EXPIRE -> local.publish(key, () -> WatchEvent.expire(key));
            case LOST -> local.lost();
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
