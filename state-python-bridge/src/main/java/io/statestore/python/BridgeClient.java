package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.StateStoreClosedException;
import io.statestore.StateStoreException;
import io.statestore.StateTypeException;
import io.statestore.value.ValueCodec;
import io.statestore.value.Values;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A Java client of the bridge protocol, as a {@link StateStore}: each call is one request and its reply over
 * one connection. Error replies become the exceptions the {@link StateStore} contract names
 * ({@code IllegalArgumentException} for BAD_ARGUMENT, {@link StateTypeException} for WRONG_TYPE,
 * {@code ArithmeticException} for OVERFLOW, {@link StateStoreException} for STORE_ERROR) and
 * {@link BridgeException} for the rest and for a lost connection. Thread-safe: calls are serialized.
 */
public final class BridgeClient implements StateStore {

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
    private long nextId = 1;
    private boolean closed;

    private BridgeClient(BridgeAddress address, SocketChannel channel, String token) throws IOException {
        this.address = address;
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
        Reply welcome = request("hello", List.of(1L), token);
        if (welcome.code() != 0) {
            channel.close();
            throw new BridgeException(welcome.error(), "the bridge at " + address + " refused the hello: "
                    + welcome.result());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) welcome.result();
        this.serverInfo = info;
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
        if (closed) {
            throw new StateStoreClosedException("this bridge client was closed");
        }
        long id = nextId++;
        byte[] frame;
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            packer.packArrayHeader(2 + args.length);
            packer.packLong(id);
            packer.packString(op);
            for (Object arg : args) {
                ValueCodec.pack(packer, arg);
            }
            frame = packer.toByteArray();
        } catch (IOException e) {
            throw new BridgeException("encoding a request failed", e);
        }
        try {
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
            int length = in.readInt();
            if (length <= 0 || length > MAX_REPLY_BYTES) {
                throw new BridgeException(ErrorCode.MALFORMED, "the bridge sent a frame of " + length + " bytes");
            }
            byte[] reply = new byte[length];
            in.readFully(reply);
            Object decoded = ValueCodec.decode(reply);
            if (!(decoded instanceof List<?>) || ((List<?>) decoded).size() != 3
                    || !(((List<?>) decoded).get(1) instanceof Long)) {
                throw new BridgeException(ErrorCode.MALFORMED, "the bridge sent a reply that is not [id, code, result]");
            }
            List<?> parts = (List<?>) decoded;
            return new Reply(parts.get(0), (Long) parts.get(1), parts.get(2));
        } catch (EOFException e) {
            throw new BridgeException("the bridge at " + address + " closed the connection", e);
        } catch (IOException e) {
            throw new BridgeException("the connection to the bridge at " + address + " failed: " + e.getMessage(), e);
        }
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
     * @throws StateStoreException      for STORE_ERROR
     * @throws BridgeException          for the other codes and for a failed connection
     */
    public Object call(String op, Object... args) {
        Reply reply = request(op, args);
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
            case STORE_ERROR:
                throw new StateStoreException(message);
            default:
                throw new BridgeException(code, code + ": " + message);
        }
    }

    /**
     * Checks that the bridge answers.
     */
    public void ping() {
        call("ping");
    }

    @Override
    public void store(String key, Object value) {
        call("set", key, value);
    }

    @Override
    public Optional<Object> fetch(String key) {
        return Optional.ofNullable(call("get", key));
    }

    @Override
    public <T> Optional<T> fetch(String key, Class<T> type) {
        Optional<Object> value = fetch(key);
        if (value.isPresent() && !type.isInstance(value.get())) {
            throw new StateTypeException("key \"" + key + "\" holds a " + Values.typeName(value.get()) + ", not a "
                    + type.getSimpleName());
        }
        return value.map(type::cast);
    }

    @Override
    public boolean remove(String key) {
        return (Boolean) call("delete", key);
    }

    @Override
    public Set<String> keys() {
        return keys("");
    }

    @Override
    public Set<String> keys(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        Set<String> keys = new LinkedHashSet<>();
        for (Object key : (List<?>) call("keys", prefix)) {
            keys.add((String) key);
        }
        return Collections.unmodifiableSet(keys);
    }

    @Override
    public void clear() {
        call("clear");
    }

    @Override
    public long size() {
        return (Long) call("size");
    }

    @Override
    public long incr(String key, long amount) {
        return (Long) call("incr", key, amount);
    }

    @Override
    public long decr(String key, long amount) {
        return (Long) call("decr", key, amount);
    }

    @Override
    public Map<String, Object> fetchAll(Collection<String> keys) {
        Map<String, Object> result = new LinkedHashMap<>();
        ((Map<?, ?>) call("get_multi", new ArrayList<>(keys))).forEach((k, v) -> result.put((String) k, v));
        return Collections.unmodifiableMap(result);
    }

    @Override
    public void storeAll(Map<String, ?> entries) {
        call("set_multi", entries);
    }

    @Override
    public boolean compareAndSet(String key, Object expected, Object update) {
        return (Boolean) call("cas", key, expected, update);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new IllegalArgumentException("a bridge client has no " + type.getName() + "; it talks to the store"
                + " of a bridge at " + address);
    }

    /** Closes the connection. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing more to release.
            }
        }
    }

    @Override
    public String toString() {
        return "BridgeClient[" + address + "]";
    }
}
