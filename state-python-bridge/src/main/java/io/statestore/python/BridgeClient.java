package io.statestore.python;

import io.statestore.codec.MsgpackValues;
import io.statestore.OutcomeUnknownException;
import io.statestore.Lease;
import io.statestore.LeaseTimeoutException;
import io.statestore.StateStore;
import io.statestore.Subscription;
import io.statestore.WatchEvent;
import io.statestore.spi.AbstractLease;
import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Expiry;
import io.statestore.StateStoreException;
import io.statestore.StateTypeException;
import io.statestore.WriteNotAppliedException;
import io.statestore.value.ValueCodec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A Java client of the bridge protocol, as a {@link StateStore}: each call is one request and its reply over
 * one connection. Keys and values are checked here, as every store checks them, before anything is sent.
 * Error replies become the exceptions the {@link StateStore} contract names ({@code IllegalArgumentException}
 * for BAD_ARGUMENT, {@link StateTypeException} for WRONG_TYPE, {@code ArithmeticException} for OVERFLOW,
 * {@link WriteNotAppliedException} for NOT_APPLIED, {@link OutcomeUnknownException} for OUTCOME_UNKNOWN,
 * {@link StateStoreException} for STORE_ERROR), and {@link BridgeException} for the other codes and for a
 * lost connection. Closing the client closes its connection, not the served store. Thread-safe: calls are
 * serialized.
 */
public final class BridgeClient extends AbstractStateStore {

    /** The largest reply this client reads; the server's frames are bounded by its own maximum. */
    private static final int MAX_REPLY_BYTES = 1 << 30;

    /** A reply as it came: its id, its code (0 for success) and its result or message. */
    public static final class Reply {
        private final Object id;
        private final long code;
        private final Object result;

        Reply(Object id, long code, Object result) {
            this.id = id;
            this.code = code;
            this.result = result;
        }

        /**
         * Returns the id the server echoed.
         *
         * @return the id, or {@code null} when the server could not read one
         */
        public Object id() {
            return id;
        }

        /**
         * Returns the code.
         *
         * @return 0 for success, else an {@link ErrorCode} number
         */
        public long code() {
            return code;
        }

        /**
         * Returns the error code.
         *
         * @return the error code, or {@code null} for success
         */
        public ErrorCode error() {
            return ErrorCode.of(code);
        }

        /**
         * Returns the result of a success, or the message of an error.
         *
         * @return the third element of the reply
         */
        public Object result() {
            return result;
        }
    }

    private final BridgeAddress address;
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final Map<String, Object> serverInfo;
    private final String token;
    private long nextId = 1;
    /** The connection subscriptions are made on, opened at the first watch (and again after it was lost). */
    private BridgeWatchConnection watching;

    private BridgeClient(BridgeAddress address, SocketChannel channel, String token) throws IOException {
        super("bridge at " + address);
        this.address = address;
        this.token = token;
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(inputOf(channel), 64 * 1024));
        this.out = new DataOutputStream(new BufferedOutputStream(outputOf(channel), 64 * 1024));
        Reply welcome = request(Operation.HELLO.wireName(), Protocol.VERSIONS, token);
        if (welcome.code() != 0) {
            channel.close();
            throw new BridgeException(welcome.error(), "the bridge at " + address + " refused the hello: "
                    + welcome.result());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) welcome.result();
        this.serverInfo = info;
    }

    /*
     * Streams straight over the channel: those of java.nio.channels.Channels hold the channel's blocking lock
     * while they read, so a thread waiting for a push would keep every request from being written.
     */
    private static InputStream inputOf(SocketChannel channel) {
        return new InputStream() {
            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                return channel.read(ByteBuffer.wrap(bytes, offset, length));
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }
        };
    }

    private static OutputStream outputOf(SocketChannel channel) {
        return new OutputStream() {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }
        };
    }

    /**
     * Connects and says hello.
     *
     * @param address where the bridge listens
     * @param token   the bridge's token
     * @return a connected client
     * @throws IOException     if the connection fails
     * @throws BridgeException if the bridge refuses the token or the protocol version
     */
    public static BridgeClient connect(BridgeAddress address, String token) throws IOException {
        Objects.requireNonNull(token, "token");
        SocketChannel channel = address.isUnix() ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            channel.connect(address.toSocketAddress());
            if (!address.isUnix()) {
                channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            }
            return new BridgeClient(address, channel, token);
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (e instanceof IOException) {
                throw new IOException("cannot connect to the bridge at " + address + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * Connects with the address and token of a worker environment, as {@link StateBridge#environment()}
     * gives them.
     *
     * @param environment a map holding {@value StateBridge#ADDRESS_VARIABLE} and
     *                    {@value StateBridge#TOKEN_VARIABLE}
     * @return a connected client
     * @throws IOException              if the connection fails
     * @throws IllegalArgumentException if a variable is missing
     */
    public static BridgeClient connect(Map<String, String> environment) throws IOException {
        String address = environment.get(StateBridge.ADDRESS_VARIABLE);
        String token = environment.get(StateBridge.TOKEN_VARIABLE);
        if (address == null || token == null) {
            throw new IllegalArgumentException("the environment needs " + StateBridge.ADDRESS_VARIABLE + " and "
                    + StateBridge.TOKEN_VARIABLE + " to reach a bridge");
        }
        return connect(BridgeAddress.parse(address), token);
    }

    /**
     * Returns the server's answer to hello: {@code version}, {@code server}, {@code max_frame}.
     *
     * @return the hello result
     */
    public Map<String, Object> serverInfo() {
        return serverInfo;
    }

    /**
     * Sends one request and reads its reply, whatever its code.
     *
     * @param op   the op
     * @param args its arguments, values of the value model
     * @return the reply
     * @throws BridgeException          if the connection fails or is closed
     * @throws IllegalArgumentException if an argument is outside the value model (nothing is sent)
     */
    public synchronized Reply request(String op, Object... args) {
        send(op, args);
        try {
            return reply(readFrame(in));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Writes one request without reading its reply (the watch connection's thread reads them). */
    synchronized void send(String op, Object... args) {
        checkOpen();
        long id = nextId++;
        byte[] frame;
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            packer.packArrayHeader(2 + args.length);
            packer.packLong(id);
            packer.packString(op);
            for (Object arg : args) {
                MsgpackValues.pack(packer, arg);
            }
            frame = packer.toByteArray();
        } catch (IOException e) {
            throw new BridgeException("encoding a request failed", e);
        }
        try {
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private BridgeException failed(IOException e) {
        if (e instanceof EOFException) {
            return new BridgeException("the bridge at " + address + " closed the connection", e);
        }
        return new BridgeException("the connection to the bridge at " + address + " failed: " + e.getMessage(), e);
    }

    DataInputStream input() {
        return in;
    }

    /** Reads one frame: a reply, or (on a watching connection) a push. */
    static List<?> readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length <= 0 || length > MAX_REPLY_BYTES) {
            throw new BridgeException(ErrorCode.MALFORMED, "the bridge sent a frame of " + length + " bytes");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        Object decoded = ValueCodec.decode(frame);
        if (!(decoded instanceof List<?>)) {
            throw new BridgeException(ErrorCode.MALFORMED, "the bridge sent a frame that is not an array");
        }
        return (List<?>) decoded;
    }

    /** A frame read as a reply. */
    static Reply reply(List<?> parts) {
        if (parts.size() != 3 || !(parts.get(1) instanceof Long)) {
            throw new BridgeException(ErrorCode.MALFORMED, "the bridge sent a reply that is not [id, code, result]");
        }
        return new Reply(parts.get(0), (Long) parts.get(1), parts.get(2));
    }

    /**
     * Sends one request and returns its result, turning an error reply into an exception.
     *
     * @param op   the op
     * @param args its arguments
     * @return the result
     * @throws IllegalArgumentException for BAD_ARGUMENT
     * @throws StateTypeException       for WRONG_TYPE
     * @throws ArithmeticException      for OVERFLOW
     * @throws WriteNotAppliedException for NOT_APPLIED: the write was refused and nothing changed
     * @throws OutcomeUnknownException  for OUTCOME_UNKNOWN: the write failed after it may have been applied
     * @throws StateStoreException      for STORE_ERROR
     * @throws BridgeException          for the other codes and for a failed connection
     */
    public Object call(String op, Object... args) {
        Reply reply = request(op, args);
        return resultOf(reply);
    }

    private Object call(Operation op, Object... args) {
        return resultOf(request(op.wireName(), args));
    }

    static Object resultOf(Reply reply) {
        if (reply.code() == 0) {
            return reply.result();
        }
        String message = String.valueOf(reply.result());
        ErrorCode code = reply.error();
        if (code == null) {
            throw new BridgeException(null, "error code " + reply.code() + ": " + message);
        }
        switch (code) {
            case BAD_ARGUMENT:
                throw new IllegalArgumentException(message);
            case WRONG_TYPE:
                throw new StateTypeException(message);
            case OVERFLOW:
                throw new ArithmeticException(message);
            case NOT_APPLIED:
                throw new WriteNotAppliedException(message, null);
            case OUTCOME_UNKNOWN:
                throw new OutcomeUnknownException(message, null);
            case STORE_ERROR:
                throw new StateStoreException(message);
            case TIMEOUT:
                throw new LeaseTimeoutException(message);
            default:
                throw new BridgeException(code, code + ": " + message);
        }
    }

    /**
     * Checks that the bridge answers.
     */
    public void ping() {
        call(Operation.PING);
    }

    /**
     * The arguments of a request, with the time to live that reaches {@code expiresAt} last if there is one:
     * the bridge counts a time to live from when it receives it, on its own clock.
     */
    private static Object[] withTtl(long expiresAt, Object... arguments) {
        if (expiresAt == Expiry.NONE) {
            return arguments;
        }
        Object[] all = Arrays.copyOf(arguments, arguments.length + 1);
        all[arguments.length] = Math.max(1, expiresAt - Expiry.now()) / 1000.0;
        return all;
    }

    @Override
    protected void doStore(String key, Object value, long expiresAt) {
        call(Operation.SET, withTtl(expiresAt, key, value));
    }

    @Override
    protected Optional<Object> doFetch(String key) {
        return Optional.ofNullable(call(Operation.GET, key));
    }

    @Override
    protected boolean doRemove(String key) {
        return (Boolean) call(Operation.DELETE, key);
    }

    @Override
    protected Collection<String> doKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (Object key : (List<?>) call(Operation.KEYS, prefix)) {
            keys.add((String) key);
        }
        return keys;
    }

    @Override
    protected void doClear() {
        call(Operation.CLEAR);
    }

    @Override
    protected long doSize() {
        return (Long) call(Operation.SIZE);
    }

    @Override
    protected long doIncr(String key, long amount, long expiresAtIfCreated) {
        return (Long) call(Operation.INCR, withTtl(expiresAtIfCreated, key, amount));
    }

    @Override
    protected Map<String, Object> doFetchAll(List<String> keys) {
        Map<String, Object> result = new LinkedHashMap<>();
        ((Map<?, ?>) call(Operation.GET_MULTI, keys)).forEach((k, v) -> result.put((String) k, v));
        return result;
    }

    @Override
    protected void doStoreAll(Map<String, Object> entries, long expiresAt) {
        call(Operation.SET_MULTI, withTtl(expiresAt, entries));
    }

    @Override
    protected boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt) {
        return (Boolean) call(Operation.CAS, withTtl(expiresAt, key, expected, update));
    }

    @Override
    protected boolean doExpire(String key, long expiresAt) {
        return (Boolean) call(Operation.EXPIRE, withTtl(expiresAt, key));
    }

    @Override
    protected boolean doPersist(String key) {
        return (Boolean) call(Operation.PERSIST, key);
    }

    @Override
    protected long doExpiresAt(String key) {
        Object seconds = call(Operation.TTL, key);
        return seconds == null ? Expiry.NONE : Expiry.now() + (long) Math.ceil(((Number) seconds).doubleValue() * 1000);
    }

    @Override
    protected Subscription doWatch(String prefix, Consumer<WatchEvent> listener) {
        BridgeWatchConnection connection;
        synchronized (this) {
            if (watching == null || watching.lost()) {
                try {
                    watching = new BridgeWatchConnection(connect(address, token));
                } catch (IOException e) {
                    throw new BridgeException("cannot open a connection to watch on: " + e.getMessage(), e);
                }
            }
            connection = watching;
        }
        return connection.watch(prefix, listener);
    }

    /**
     * Takes the permit on this client's connection if it is free now (one request); else waits for it on a
     * connection of its own, so that the wait holds up no other call of this client, and the lease ends with that
     * connection.
     */
    @Override
    protected Lease doAcquire(String name, int permits, Duration ttl, Duration wait) {
        try {
            return BridgeLease.take(this, false, name, permits, ttl, Duration.ZERO);
        } catch (LeaseTimeoutException busy) {
            if (wait != null && wait.isZero()) {
                throw busy;
            }
        }
        BridgeClient own;
        try {
            own = connect(address, token);
        } catch (IOException e) {
            throw new BridgeException("cannot open a connection to wait for \"" + name + "\" on: " + e.getMessage(), e);
        }
        try {
            return BridgeLease.take(own, true, name, permits, ttl, wait);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** Seconds as the protocol carries them. */
    static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    /** A lease held through the bridge, on the connection that took it. */
    private static final class BridgeLease extends AbstractLease {
        private final BridgeClient connection;
        private final boolean ownConnection;
        private final long id;

        private BridgeLease(BridgeClient connection, boolean ownConnection, String name, long id, long token,
                long endsAt) {
            super(name, token, endsAt);
            this.connection = connection;
            this.ownConnection = ownConnection;
            this.id = id;
        }

        static BridgeLease take(BridgeClient connection, boolean ownConnection, String name, int permits,
                Duration ttl, Duration wait) {
            long endsAt = Expiry.leaseDeadline(name, ttl);
            List<?> granted = (List<?>) connection.call(Operation.ACQUIRE, name, (long) permits, seconds(ttl),
                    wait == null ? null : seconds(wait));
            return new BridgeLease(connection, ownConnection, name, (Long) granted.get(0), (Long) granted.get(1),
                    endsAt);
        }

        @Override
        protected boolean doExtend(Duration ttl) {
            return (Boolean) connection.call(Operation.EXTEND, id, seconds(ttl));
        }

        @Override
        protected void doRelease() {
            try {
                connection.call(Operation.RELEASE, id);
            } finally {
                if (ownConnection) {
                    connection.close();
                }
            }
        }
    }

    /** Closes the connection. */
    @Override
    protected void doClose() {
        synchronized (this) {
            if (watching != null) {
                watching.close();
            }
        }
        synchronized (this) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing more to release.
            }
        }
    }

}
