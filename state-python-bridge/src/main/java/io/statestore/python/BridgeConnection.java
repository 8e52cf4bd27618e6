package io.statestore.python;

import io.statestore.codec.MsgpackValues;
import io.statestore.Lease;
import io.statestore.LeaseTimeoutException;
import io.statestore.OutcomeUnknownException;
import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateTypeException;
import io.statestore.WriteNotAppliedException;
import io.statestore.value.MalformedDataException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;
import org.msgpack.value.ValueType;

/**
 * One client connection. Until its hello succeeds it is driven by its {@link BridgeListener}, without blocking
 * and without a thread of its own ({@link #readBeforeHello()}); after that one thread serves it ({@link #run()}):
 * it reads frames, answers them in order, and flushes the replies when no further complete request is already
 * buffered, so a pipeline costs few system calls.
 */
final class BridgeConnection implements Runnable, Operation.Session {

    /**
     * Before a successful hello a frame may be at most this long (or the server's maximum, if lower): a hello
     * is small, and an unauthenticated peer must not make the server allocate large buffers.
     */
    static final int UNAUTHENTICATED_MAX_FRAME = 64 * 1024;

    /** How many leases a connection may hold at once. */
    static final int MAX_LEASES = 1024;

    /** Where a connection stands after its listener has read what arrived before hello. */
    enum Stage {
        /** Still waiting for a hello (malformed frames before it were answered). */
        WAITING,
        /** The hello succeeded and took a place among the authenticated connections: serve it on a thread. */
        AUTHENTICATED,
        /** A final reply is written: send it, half-close, and close a moment later. */
        FINISHED,
        /** The peer closed or failed: close now. */
        CLOSED
    }

    /** What to do with a frame, judged by its length alone. */
    private enum Length { READ, ANSWERED, CLOSE }

    /** Before hello the input buffer starts small: a flood of silent connections must cost little memory. */
    private static final int PENDING_BUFFER_BYTES = 512;
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final int FLUSH_THRESHOLD_BYTES = 64 * 1024;
    private static final long LINGER_MILLIS = 1000;

    private final StateBridge bridge;
    private final SocketChannel channel;
    private final StateStore store;
    private final byte[] token;
    private final int maxFrameBytes;
    private ByteBuffer in = ByteBuffer.allocate(PENDING_BUFFER_BYTES).flip();
    private final FrameOutput out = new FrameOutput();
    /** Reads each request frame in turn: one reader per connection, not one per frame. */
    private final ArrayBufferInput requestInput = new ArrayBufferInput(new byte[0]);
    private final MessageUnpacker requestReader = MessagePack.newDefaultUnpacker(requestInput);
    /** Closes the connection unless the frame being read arrives whole in time; null while none is armed. */
    private ScheduledFuture<?> frameDeadline;
    private volatile boolean authenticated;
    /** The protocol version the hello chose (0 before). */
    private long version;
    /** Held while writing to the channel after hello: replies and push frames never interleave. */
    private final Object writeLock = new Object();
    /** The connection's subscriptions, made at its first {@code watch}; null until then. */
    private Pushes pushes;
    /** The leases taken on this connection and not yet released, by id; they end with it. */
    private final Map<Long, Lease> leases = new HashMap<>();
    private long nextLease = 1;
    private volatile String closeReason;
    /** Whether this connection holds one of the bridge's places for authenticated connections. */
    final AtomicBoolean holdsPlace = new AtomicBoolean();
    private final RequestObserver observer;

    BridgeConnection(StateBridge bridge, SocketChannel channel, StateStore store, byte[] token,
            int maxFrameBytes) {
        this.bridge = bridge;
        this.channel = channel;
        this.store = store;
        this.token = token;
        this.maxFrameBytes = maxFrameBytes;
        this.observer = bridge.options().requestObserver();
    }

    boolean authenticated() {
        return authenticated;
    }

    SocketChannel channel() {
        return channel;
    }

    String closeReason() {
        return closeReason;
    }

    /** Closes the connection from another thread; the serving thread then ends. */
    void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is best effort; the thread ends either way.
        }
    }

    // ---- Before hello: driven by the listener's thread, the channel non-blocking.

    /**
     * Reads what the peer has sent and answers each complete frame, up to a successful hello; never blocks.
     * The replies wait in the output for {@link #flushBeforeHello()}.
     *
     * @return where the connection stands
     * @throws IOException if reading fails
     */
    Stage readBeforeHello() throws IOException {
        int read;
        in.compact();
        try {
            read = channel.read(in);
        } finally {
            in.flip();
        }
        if (read < 0) {
            closeReason = in.hasRemaining() ? "peer closed the connection in the middle of a frame"
                    : "peer closed the connection";
            return Stage.CLOSED;
        }
        while (in.remaining() >= 4) {
            long length = in.getInt(in.position()) & 0xFFFF_FFFFL;
            if (length > 0 && length <= limit() && in.remaining() - 4 < length) {
                // Room for the whole frame (at most the small pre-hello limit), then wait for its rest.
                reserveInput(4 + (int) length);
                return Stage.WAITING;
            }
            in.getInt();
            Length verdict = judge(length);
            if (verdict == Length.CLOSE) {
                return Stage.FINISHED;
            }
            if (verdict == Length.ANSWERED) {
                continue;
            }
            byte[] frame = new byte[(int) length];
            in.get(frame);
            if (!handle(frame)) {
                return Stage.FINISHED;
            }
            if (authenticated) {
                reserveInput(READ_BUFFER_BYTES);
                return Stage.AUTHENTICATED;
            }
        }
        return Stage.WAITING;
    }

    /**
     * Writes the replies collected before hello as far as the non-blocking channel takes them.
     *
     * @return false if some are left: the peer does not read, and the connection should be closed
     */
    boolean flushBeforeHello() throws IOException {
        return out.flushAvailable(channel);
    }

    /** Makes the input buffer hold at least {@code capacity} bytes, keeping what it holds. */
    private void reserveInput(int capacity) {
        if (in.capacity() < capacity) {
            ByteBuffer larger = ByteBuffer.allocate(capacity);
            larger.put(in);
            in = larger.flip();
        }
    }

    // ---- After hello: one thread, the channel blocking.

    @Override
    public void run() {
        try {
            serve();
        } catch (EOFException e) {
            closeReason = closeReason != null ? closeReason : e.getMessage();
        } catch (IOException e) {
            // A peer that resets or a close() from the bridge: routine, not worth more than a debug line.
            closeReason = closeReason != null ? closeReason : e.toString();
        } catch (RuntimeException | Error e) {
            bridge.logger().log(Level.WARNING, "bridge connection failed unexpectedly; closing it", e);
        } finally {
            frameArrived();
            if (pushes != null) {
                pushes.close();
            }
            close(closeReason);
            releaseLeases();
            bridge.connectionClosed(this, closeReason);
        }
    }

    private void serve() throws IOException {
        while (true) {
            if (!completeFrameBuffered() || out.size() >= FLUSH_THRESHOLD_BYTES) {
                flush();
            }
            if (!fill(4)) {
                closeReason = "peer closed the connection";
                return;
            }
            long length = in.getInt() & 0xFFFF_FFFFL;
            Length verdict = judge(length);
            if (verdict == Length.CLOSE) {
                frameArrived();
                closeAfterReply();
                return;
            }
            if (verdict == Length.READ) {
                byte[] frame = readFrame((int) length);
                frameArrived();
                if (!handle(frame)) {
                    closeAfterReply();
                    return;
                }
            } else {
                frameArrived();
            }
        }
    }

    /** Writes out the replies collected so far. */
    private void flush() throws IOException {
        synchronized (writeLock) {
            out.flushTo(channel);
        }
        out.trim();
    }

    private long limit() {
        return authenticated ? maxFrameBytes : Math.min(maxFrameBytes, UNAUTHENTICATED_MAX_FRAME);
    }

    /**
     * Answers a frame length that cannot be a request: zero gets MALFORMED and the connection stays; over the
     * limit gets FRAME_TOO_LARGE and the connection closes, since the rest of the stream cannot be trusted.
     */
    private Length judge(long length) throws IOException {
        if (length == 0) {
            out.error(null, ErrorCode.MALFORMED, "zero-length frame; a frame holds one msgpack value of at least"
                    + " one byte");
            return Length.ANSWERED;
        }
        long limit = limit();
        if (length > limit) {
            out.error(null, ErrorCode.FRAME_TOO_LARGE, "frame of " + length + " bytes is over the limit of "
                    + limit + (authenticated ? " bytes" : " bytes before a successful hello")
                    + "; closing the connection");
            closeReason = "frame of " + length + " bytes over the limit";
            bridge.problem("connection closed, frame too large", length + " bytes, limit " + limit);
            return Length.CLOSE;
        }
        return Length.READ;
    }

    /**
     * Part of a frame is here and the thread is about to wait for the rest: from now on the rest has the frame
     * timeout to arrive, or the connection is closed. Armed once per frame.
     */
    private void awaitingRest() {
        if (frameDeadline == null) {
            frameDeadline = bridge.closeUnlessFrameArrives(this);
        }
    }

    /** The frame being read is whole (or abandoned): its deadline no longer applies. */
    private void frameArrived() {
        if (frameDeadline != null) {
            frameDeadline.cancel(false);
            frameDeadline = null;
        }
    }

    /**
     * Sends the pending replies, then half-closes and drains what the peer still sends for a moment before
     * closing: closing a socket with unread input makes the kernel reset the connection, which could destroy
     * the final error reply before the peer reads it.
     */
    private void closeAfterReply() throws IOException {
        flush();
        channel.shutdownOutput();
        bridge.closeLater(this, LINGER_MILLIS);
        ByteBuffer sink = ByteBuffer.allocate(8 * 1024);
        while (channel.read(sink) >= 0) {
            sink.clear();
        }
    }

    private boolean completeFrameBuffered() {
        int remaining = in.remaining();
        if (remaining < 4) {
            return false;
        }
        long length = in.getInt(in.position()) & 0xFFFF_FFFFL;
        return remaining - 4 >= length;
    }

    /** Makes at least {@code count} bytes readable in {@link #in}; false if the peer closed before any. */
    private boolean fill(int count) throws IOException {
        if (in.remaining() >= count) {
            return true;
        }
        boolean atStart = !in.hasRemaining();
        in.compact();
        try {
            while (in.position() < count) {
                if (in.position() > 0) {
                    awaitingRest();
                }
                if (channel.read(in) < 0) {
                    if (atStart && in.position() == 0) {
                        return false;
                    }
                    throw new EOFException("peer closed the connection in the middle of a frame");
                }
            }
        } finally {
            in.flip();
        }
        return true;
    }

    private byte[] readFrame(int length) throws IOException {
        byte[] frame = new byte[length];
        if (length <= in.capacity()) {
            // Reading into the shared buffer picks up the frames pipelined behind this one in the same call.
            if (!fill(length)) {
                throw new EOFException("peer closed the connection in the middle of a frame");
            }
            in.get(frame);
            return frame;
        }
        int have = in.remaining();
        in.get(frame, 0, have);
        ByteBuffer rest = ByteBuffer.wrap(frame, have, length - have);
        while (rest.hasRemaining()) {
            awaitingRest();
            if (channel.read(rest) < 0) {
                throw new EOFException("peer closed the connection in the middle of a frame");
            }
        }
        return frame;
    }

    /** Answers one frame; false when the connection must close after the reply. */
    private boolean handle(byte[] frame) throws IOException {
        Object id = null;
        String op;
        List<Object> args;
        requestInput.reset(frame);
        requestReader.reset(requestInput);
        MessageUnpacker unpacker = requestReader;
        try {
            if (unpacker.getNextFormat().getValueType() != ValueType.ARRAY) {
                return malformed(null, "a request is a msgpack array [id, op, args...], got a msgpack "
                        + unpacker.getNextFormat().getValueType().name().toLowerCase());
            }
            int count = unpacker.unpackArrayHeader();
            if (count < 2 || count > frame.length) {
                return malformed(null, "a request is an array [id, op, args...] of at least 2 elements; this"
                        + " one declares " + count);
            }
            if (unpacker.getNextFormat().getValueType() != ValueType.INTEGER) {
                return malformed(null, "the request id (element 0) must be an integer, got a msgpack "
                        + unpacker.getNextFormat().getValueType().name().toLowerCase());
            }
            id = MsgpackValues.unpack(unpacker, frame.length);
            if (unpacker.getNextFormat().getValueType() != ValueType.STRING) {
                return malformed(id, "the op (element 1) must be a string, got a msgpack "
                        + unpacker.getNextFormat().getValueType().name().toLowerCase());
            }
            op = (String) MsgpackValues.unpack(unpacker, frame.length);
            if (count == 2) {
                args = Collections.emptyList();
            } else {
                args = new ArrayList<>(count - 2);
                for (int i = 2; i < count; i++) {
                    args.add(MsgpackValues.unpack(unpacker, frame.length));
                }
            }
            if (unpacker.hasNext()) {
                return malformed(id, "the frame has bytes after the request array");
            }
        } catch (IOException | MessagePackException e) {
            return malformed(id, "malformed msgpack: " + e.getMessage());
        } catch (MalformedDataException e) {
            return malformed(id, e.getMessage());
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            if (!authenticated) {
                return unauthorized(id, "the first request must be [id, \"hello\", [1], token]");
            }
            out.error(id, ErrorCode.BAD_ARGUMENT, "an argument is outside the value model: " + message);
            return true;
        }
        Operation operation = Operation.named(op);
        if (operation == Operation.HELLO) {
            return hello(id, args);
        }
        if (!authenticated) {
            return unauthorized(id, "the first request must be [id, \"hello\", [1], token], not \""
                    + Protocol.excerpt(op) + "\"");
        }
        long started = System.nanoTime();
        ErrorCode failed = null;
        try {
            if (operation == null) {
                throw new Operation.Refusal(ErrorCode.UNKNOWN_OP, "unknown op \"" + Protocol.excerpt(op)
                        + "\"; this server knows " + Operation.names());
            }
            out.success(id, operation.run(store, this, args));
            if (operation == Operation.WATCH) {
                // The subscription's events wait for the client to know its id.
                flush();
                pushes.announce();
            }
        } catch (Operation.Refusal e) {
            failed = e.code;
            out.error(id, e.code, e.getMessage());
        } catch (StateTypeException e) {
            failed = ErrorCode.WRONG_TYPE;
            out.error(id, failed, e.getMessage());
        } catch (ArithmeticException e) {
            failed = ErrorCode.OVERFLOW;
            out.error(id, failed, e.getMessage());
        } catch (IllegalArgumentException e) {
            failed = ErrorCode.BAD_ARGUMENT;
            out.error(id, failed, e.getMessage());
        } catch (WriteNotAppliedException e) {
            failed = ErrorCode.NOT_APPLIED;
            out.error(id, failed, e.getMessage());
        } catch (OutcomeUnknownException e) {
            failed = ErrorCode.OUTCOME_UNKNOWN;
            out.error(id, failed, e.getMessage());
        } catch (StateStoreException e) {
            failed = ErrorCode.STORE_ERROR;
            out.error(id, failed, e.getMessage());
        } catch (RuntimeException e) {
            // Not a documented failure of the store: worth a log line, but it must not end the connection.
            bridge.logUnexpected(op, e);
            failed = ErrorCode.STORE_ERROR;
            out.error(id, failed, "the store failed: " + e);
        }
        observer.answered(operation == null ? "unknown" : operation.wireName(), failed, System.nanoTime() - started);
        return true;
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public long watch(String prefix) {
        if (pushes == null) {
            pushes = new Pushes(channel, writeLock);
        }
        return pushes.watch(store, prefix);
    }

    @Override
    public boolean unwatch(long subscription) {
        return pushes != null && pushes.unwatch(subscription);
    }

    @Override
    public List<Long> acquire(String name, int permits, Duration ttl, Duration wait) {
        if (leases.size() >= MAX_LEASES) {
            throw new Operation.Refusal(ErrorCode.BAD_ARGUMENT, "this connection holds " + MAX_LEASES
                    + " leases, the most it may; release one first");
        }
        Lease lease;
        try {
            lease = store.acquire(name, permits, ttl, wait);
        } catch (LeaseTimeoutException e) {
            throw new Operation.Refusal(ErrorCode.TIMEOUT, e.getMessage());
        }
        if (!channel.isOpen()) {
            // Granted after the peer went away while it waited: nobody will release it.
            lease.release();
            throw new Operation.Refusal(ErrorCode.STORE_ERROR, "the connection closed while waiting");
        }
        long id = nextLease++;
        leases.put(id, lease);
        return List.of(id, lease.fencingToken());
    }

    @Override
    public boolean extend(long lease, Duration ttl) {
        Lease held = leases.get(lease);
        return held != null && held.extend(ttl);
    }

    @Override
    public boolean release(long lease) {
        Lease held = leases.remove(lease);
        if (held == null) {
            return false;
        }
        boolean valid = held.isValid();
        held.release();
        return valid;
    }

    /** The connection closed: its leases end now, not when their times to live pass. */
    private void releaseLeases() {
        for (Lease lease : leases.values()) {
            try {
                lease.release();
            } catch (RuntimeException e) {
                // The store is closing or failing; the lease ends when its time to live passes.
            }
        }
        leases.clear();
    }

    private boolean malformed(Object id, String message) throws IOException {
        out.error(id, ErrorCode.MALFORMED, message);
        return true;
    }

    private boolean unauthorized(Object id, String message) throws IOException {
        out.error(id, ErrorCode.UNAUTHORIZED, message + "; closing the connection");
        closeReason = "unauthorized: " + message;
        bridge.problem("connection refused, unauthorized", message);
        return false;
    }

    private boolean hello(Object id, List<Object> args) throws IOException {
        Object presented = args.size() == 2 ? args.get(1) : null;
        if (!(presented instanceof String)) {
            return unauthorized(id, "hello needs 2 arguments, [versions, token], with the token a string");
        }
        if (!MessageDigest.isEqual(token, ((String) presented).getBytes(StandardCharsets.UTF_8))) {
            return unauthorized(id, "wrong token");
        }
        Object versions = args.get(0);
        long chosen = -1;
        if (versions instanceof List<?>) {
            for (Object version : (List<?>) versions) {
                if (version instanceof Long && Protocol.VERSIONS.contains(version) && (Long) version > chosen) {
                    chosen = (Long) version;
                }
            }
        }
        if (chosen < 0) {
            String offered = Protocol.excerpt(String.valueOf(versions));
            out.error(id, ErrorCode.UNSUPPORTED_VERSION, "no common protocol version: the client offers " + offered
                    + ", this server speaks " + Protocol.VERSIONS + "; closing the connection");
            closeReason = "unsupported versions " + offered;
            bridge.problem("connection refused, no common protocol version", "client offered " + offered);
            return false;
        }
        if (!authenticated && !bridge.takePlace(this)) {
            out.error(id, ErrorCode.SERVER_BUSY, "server busy: " + bridge.options().maxConnections()
                    + " authenticated connections are open, the limit; retry later, close idle connections, or"
                    + " raise the limit (--max-connections); closing the connection");
            closeReason = "server busy";
            bridge.problem("connection refused, server busy", "at the limit of "
                    + bridge.options().maxConnections() + " authenticated connections");
            return false;
        }
        authenticated = true;
        version = chosen;
        Map<String, Object> welcome = new LinkedHashMap<>();
        welcome.put("version", chosen);
        welcome.put("server", "statestore " + StateBridge.version());
        welcome.put("max_frame", (long) maxFrameBytes);
        out.success(id, welcome);
        return true;
    }
}
