package io.statestore.python;

import io.statestore.codec.MsgpackValues;
import io.statestore.value.ValueCodec;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A test client that speaks frames, not ops: it can send anything, and reads replies with a deadline so a
 * test cannot hang on a server that stays silent.
 */
final class RawConnection implements AutoCloseable {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 16).flip();

    private RawConnection(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    static RawConnection open(BridgeAddress address) throws IOException {
        SocketChannel channel = address.isUnix() ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        channel.connect(address.toSocketAddress());
        return new RawConnection(channel);
    }

    /** Connects and completes the hello. */
    static RawConnection authenticated(StateBridge bridge, BridgeAddress address) throws IOException {
        RawConnection connection = open(address);
        List<Object> welcome = connection.call(0, "hello", List.of(1L), bridge.token());
        if (!Long.valueOf(0).equals(welcome.get(1))) {
            throw new IllegalStateException("hello failed: " + welcome);
        }
        return connection;
    }

    static byte[] encode(Object... request) {
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            packer.packArrayHeader(request.length);
            for (Object element : request) {
                MsgpackValues.pack(packer, element);
            }
            return packer.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] frame(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the server does not read");
                }
                Thread.onSpinWait();
            }
        }
    }

    void sendFrame(byte[] payload) throws IOException {
        sendRaw(frame(payload));
    }

    void send(Object... request) throws IOException {
        sendFrame(encode(request));
    }

    List<Object> call(Object... request) throws IOException {
        send(request);
        return reply();
    }

    /** Reads one reply: [id, code, result]. */
    @SuppressWarnings("unchecked")
    List<Object> reply() throws IOException {
        byte[] payload = readFrame(DEFAULT_TIMEOUT);
        if (payload == null) {
            throw new IOException("the server closed the connection instead of replying");
        }
        return (List<Object>) ValueCodec.decode(payload);
    }

    /** Reads a frame; null if the server closed the connection first. */
    byte[] readFrame(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!fill(4, deadline)) {
            return null;
        }
        int length = in.getInt();
        byte[] payload = new byte[length];
        int have = 0;
        while (have < length) {
            if (!in.hasRemaining() && !fill(1, deadline)) {
                throw new IOException("the server closed the connection in the middle of a reply");
            }
            int n = Math.min(in.remaining(), length - have);
            in.get(payload, have, n);
            have += n;
        }
        return payload;
    }

    /** Tells whether the server closes the connection within the timeout (reading and dropping any replies). */
    boolean closedByServer(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        in.position(in.limit());
        while (true) {
            try {
                if (!fill(1, deadline)) {
                    return true;
                }
            } catch (IOException e) {
                return e.getMessage() != null && e.getMessage().contains("reset");
            }
            in.position(in.limit());
            if (System.nanoTime() > deadline) {
                return false;
            }
        }
    }

    private boolean fill(int count, long deadline) throws IOException {
        while (in.remaining() < count) {
            in.compact();
            int read;
            try {
                read = channel.read(in);
            } finally {
                in.flip();
            }
            if (read < 0) {
                return false;
            }
            if (read == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no reply within the timeout");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
            }
        }
        return true;
    }

    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
