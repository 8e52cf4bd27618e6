package io.statestore.hazelcast;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Encodes a counter's new value on the partition thread. The bytes are those of
 * {@link io.statestore.value.ValueCodec#encode(Object)} for a {@code Long} (msgpack's most compact integer
 * form), written with a packer sized for one integer instead of the general codec's 8 KiB buffer: this
 * runs once per increment.
 */
final class CounterBytes {

    private static final MessagePack.PackerConfig ONE_INTEGER = new MessagePack.PackerConfig().withBufferSize(16);

    private CounterBytes() {
    }

    static byte[] encode(long value) {
        try (MessageBufferPacker packer = ONE_INTEGER.newBufferPacker()) {
            packer.packLong(value);
            return packer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to memory failed", e);
        }
    }
}
