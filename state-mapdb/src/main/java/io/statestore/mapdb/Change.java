package io.statestore.mapdb;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mapdb.BTreeMap;

/**
 * One write as the store applies it to the map and records it in its log: the result of the operation,
 * never the operation (an increment is recorded as the counter's new value), so that replaying a change
 * twice leaves what replaying it once leaves. Values are in their stored form ({@link Entries}).
 *
 * <p>Encoded in the log (big-endian): a kind byte, then for {@link Put} the key and the value, for
 * {@link Remove} the key, for {@link PutAll} the number of entries and each key and value (a value of
 * length -1 removing its key), for {@link Clear} nothing. A key is its UTF-8 length (4 bytes) and bytes; a
 * value is its length (4 bytes) and bytes.
 */
sealed interface Change {

    byte PUT = 1;
    byte REMOVE = 2;
    byte PUT_ALL = 3;
    byte CLEAR = 4;

    /**
     * Applies the change to the map; a change that fails part way puts back what it had changed, so that
     * a failed change leaves the map as it was.
     */
    void applyTo(BTreeMap<String, byte[]> map);

    /** Writes the change's encoding. */
    void writeTo(DataOutputStream out) throws IOException;

    /**
     * An upper bound of the change's encoded size, known before it is made, so that the log can make room for
     * it before anything is applied.
     */
    static int sizeBound(String key, int valueBytes) {
        return 1 + Integer.BYTES + 3 * key.length() + Integer.BYTES + valueBytes;
    }

    /** The change's encoding. */
    default byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a change's encoding.
     *
     * @throws IOException if the bytes are not one
     */
    static Change decode(byte[] bytes, int offset, int length) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, offset, length));
        byte kind = in.readByte();
        Change change = switch (kind) {
            case PUT -> new Put(readKey(in), readBytes(in));
            case REMOVE -> new Remove(readKey(in));
            case PUT_ALL -> {
                int count = in.readInt();
                if (count < 0 || count > length) {
                    throw new IOException("a batch of " + count + " entries in " + length + " bytes");
                }
                Map<String, byte[]> entries = new LinkedHashMap<>();
                for (int i = 0; i < count; i++) {
                    entries.put(readKey(in), readNullableBytes(in));
                }
                yield new PutAll(entries);
            }
            case CLEAR -> new Clear();
            default -> throw new IOException("unknown change kind " + kind);
        };
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after a change");
        }
        return change;
    }

    private static String readKey(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a field of " + length + " bytes where " + in.available() + " remain");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /** Reads a value of a batch: its bytes, or {@code null} (length -1) for a key the batch removes. */
    private static byte[] readNullableBytes(DataInputStream in) throws IOException {
        in.mark(Integer.BYTES);
        if (in.readInt() == -1) {
            return null;
        }
        in.reset();
        return readBytes(in);
    }

    private static void writeKey(DataOutputStream out, String key) throws IOException {
        writeBytes(out, key.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Stores a value under a key. */
    record Put(String key, byte[] stored) implements Change {
        @Override
        public void applyTo(BTreeMap<String, byte[]> map) {
            map.put(key, stored);
        }

        @Override
        public void writeTo(DataOutputStream out) throws IOException {
            out.writeByte(PUT);
            writeKey(out, key);
            writeBytes(out, stored);
        }
    }

    /** Removes a key. */
    record Remove(String key) implements Change {
        @Override
        public void applyTo(BTreeMap<String, byte[]> map) {
            map.remove(key);
        }

        @Override
        public void writeTo(DataOutputStream out) throws IOException {
            out.writeByte(REMOVE);
            writeKey(out, key);
        }
    }

    /**
     * Stores several values at once, a {@code null} value removing its key: all of them or, if applying fails
     * part way, none.
     */
    record PutAll(Map<String, byte[]> entries) implements Change {
        @Override
        public void applyTo(BTreeMap<String, byte[]> map) {
            List<Map.Entry<String, byte[]>> replaced = new ArrayList<>();
            try {
                entries.forEach((key, stored) -> replaced.add(Map.entry(key,
                        orAbsent(stored == null ? map.remove(key) : map.put(key, stored)))));
            } catch (RuntimeException | Error e) {
                for (Map.Entry<String, byte[]> previous : replaced) {
                    try {
                        if (previous.getValue() == ABSENT) {
                            map.remove(previous.getKey());
                        } else {
                            map.put(previous.getKey(), previous.getValue());
                        }
                    } catch (RuntimeException | Error undoFailure) {
                        e.addSuppressed(undoFailure);
                    }
                }
                throw e;
            }
        }

        @Override
        public void writeTo(DataOutputStream out) throws IOException {
            out.writeByte(PUT_ALL);
            out.writeInt(entries.size());
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                writeKey(out, entry.getKey());
                if (entry.getValue() == null) {
                    out.writeInt(-1);
                } else {
                    writeBytes(out, entry.getValue());
                }
            }
        }
    }

    /** What {@link PutAll} remembers for a key that had no value. */
    byte[] ABSENT = new byte[0];

    private static byte[] orAbsent(byte[] previous) {
        return previous == null ? ABSENT : previous;
    }

    /** Removes every key. */
    record Clear() implements Change {
        @Override
        public void applyTo(BTreeMap<String, byte[]> map) {
            map.clear();
        }

        @Override
        public void writeTo(DataOutputStream out) throws IOException {
            out.writeByte(CLEAR);
        }
    }
}
