package io.statestore.python;

import io.statestore.WatchEvent;
import io.statestore.codec.MsgpackValues;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * Collects length-prefixed reply frames in memory until {@link #flushTo(WritableByteChannel)}, so a
 * pipeline of replies leaves in one write. Not thread-safe: one per connection.
 */
final class FrameOutput extends OutputStream {

    private static final int INITIAL_BYTES = 8 * 1024;
    private static final byte[] NONE = new byte[0];

    /** Allocated at the first reply: a connection that never gets one (a silent stranger) costs nothing here. */
    private byte[] bytes = NONE;
    private int size;
    private MessagePacker packer;

    /** Appends {@code [id, 0, result]}; a result outside the value model becomes a STORE_ERROR reply. */
    void success(Object id, Object result) throws IOException {
        int start = begin();
        try {
            packer.packArrayHeader(3);
            packId(id);
            packer.packInt(0);
            MsgpackValues.pack(packer, result);
            end(start);
        } catch (IllegalArgumentException e) {
            abort(start);
            error(id, ErrorCode.STORE_ERROR, "the result cannot be encoded: " + e.getMessage());
        }
    }

    /** Appends {@code [id, code, message]}. */
    void error(Object id, ErrorCode code, String message) throws IOException {
        int start = begin();
        packer.packArrayHeader(3);
        packId(id);
        packer.packInt(code.code());
        packer.packString(message == null ? code.name() : message);
        end(start);
    }

    /**
     * Appends the push frame of a watched change, {@code [nil, "event", subscription, kind, key, value]} (key nil
     * for "lost", value nil but for "set").
     */
    void event(long subscription, WatchEvent event) throws IOException {
        int start = begin();
        try {
            packer.packArrayHeader(6);
            packer.packNil();
            packer.packString(Protocol.EVENT_PUSH);
            packer.packLong(subscription);
            packer.packString(Protocol.wireName(event.kind()));
            MsgpackValues.pack(packer, event.key());
            MsgpackValues.pack(packer, event.value());
            end(start);
        } catch (IllegalArgumentException e) {
            // A value the store holds is in the value model; should one not be, the watcher must still hear of it.
            abort(start);
            event(subscription, WatchEvent.lost());
        }
    }

    /** Echoes an id as it came: a uint64 above the long range stays a msgpack uint64. */
    private void packId(Object id) throws IOException {
        if (id instanceof java.math.BigInteger && ((java.math.BigInteger) id).signum() > 0
                && ((java.math.BigInteger) id).bitLength() <= 64) {
            packer.packBigInteger((java.math.BigInteger) id);
        } else {
            MsgpackValues.pack(packer, id);
        }
    }

    int size() {
        return size;
    }

    /** Writes out everything collected and empties the buffer. */
    void flushTo(WritableByteChannel channel) throws IOException {
        if (size == 0) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, size);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        size = 0;
    }

    /**
     * Writes what a non-blocking channel takes now and keeps the rest.
     *
     * @return true when everything collected is written
     */
    boolean flushAvailable(WritableByteChannel channel) throws IOException {
        if (size == 0) {
            return true;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, size);
        while (buffer.hasRemaining() && channel.write(buffer) > 0) {
            // Until everything is written or the channel takes no more.
        }
        int left = buffer.remaining();
        System.arraycopy(bytes, buffer.position(), bytes, 0, left);
        size = left;
        return left == 0;
    }

    private int begin() {
        if (packer == null) {
            packer = MessagePack.newDefaultPacker(this);
        }
        int start = size;
        ensure(4);
        size += 4;
        return start;
    }

    private void end(int start) throws IOException {
        packer.flush();
        int length = size - start - 4;
        bytes[start] = (byte) (length >>> 24);
        bytes[start + 1] = (byte) (length >>> 16);
        bytes[start + 2] = (byte) (length >>> 8);
        bytes[start + 3] = (byte) length;
    }

    private void abort(int start) {
        packer.clear();
        size = start;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            long wanted = Math.max(Math.max((long) bytes.length * 2, INITIAL_BYTES), (long) size + more);
            bytes = Arrays.copyOf(bytes, (int) Math.min(wanted, Integer.MAX_VALUE - 8));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /** Drops a large buffer after a large reply, so an idle connection holds little memory. */
    void trim() {
        if (size == 0 && bytes.length > 256 * 1024) {
            bytes = new byte[INITIAL_BYTES];
        }
    }
}
