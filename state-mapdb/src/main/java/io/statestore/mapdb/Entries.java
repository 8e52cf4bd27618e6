package io.statestore.mapdb;

import io.statestore.StateStoreException;
import io.statestore.spi.Expiry;
import io.statestore.value.Keys;
import io.statestore.value.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32C;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;

/**
 * How a value is kept in the file: the value model's msgpack bytes ({@link ValueCodec}) followed by a
 * CRC-32C of the key's UTF-8 bytes and the msgpack bytes (4 bytes, big-endian). MapDB keeps no checksum of
 * its own records in a transactional file, so without this a value damaged on the disk (a run of zeros in a
 * string, say) would still decode and be handed out as data; with it every read and the verification at open
 * refuse it, naming the key. The key is in the checksum so that a value found under another key is refused
 * too.
 *
 * <p>A value that expires starts with the byte {@code 0xc1}, which msgpack never uses, and the instant it
 * expires (8 bytes, milliseconds since the epoch), inside the checksum; a value without expiry is stored as
 * it always was. So expiry persists with the value, through the log and its replay, and a file's values
 * without expiry read the same as before.
 *
 * <p>Maps written before checksums existed are rewritten with them once, when the store first opens them
 * ({@link #upgrade}); a map records its format in an atomic record beside it, {@code statestore.format.MAP}.
 */
final class Entries {

    static final int CHECKSUM_BYTES = 4;
    /** The first byte of a value that expires. */
    private static final byte EXPIRES = (byte) 0xc1;
    /** The marker and the instant. */
    static final int EXPIRY_BYTES = 1 + Long.BYTES;
    /** The format of maps whose every value ends with its checksum. */
    private static final int CHECKSUMMED = 2;
    private static final String FORMAT_RECORD = "statestore.format.";

    private Entries() {
    }

    /** The bytes to store for a value. */
    static byte[] encode(String key, Object value) {
        return withChecksum(key, ValueCodec.encode(value));
    }

    /** The bytes to store for a value that expires at {@code expiresAt} ({@link Expiry#NONE} for never). */
    static byte[] encode(String key, Object value, long expiresAt) {
        return withChecksum(key, ValueCodec.encode(value), expiresAt);
    }

    /** The bytes to store for a value already encoded with {@link ValueCodec}. */
    static byte[] withChecksum(String key, byte[] encoded) {
        return withChecksum(key, encoded, Expiry.NONE);
    }

    private static byte[] withChecksum(String key, byte[] encoded, long expiresAt) {
        int start = expiresAt == Expiry.NONE ? 0 : EXPIRY_BYTES;
        byte[] stored = new byte[start + encoded.length + CHECKSUM_BYTES];
        if (start > 0) {
            stored[0] = EXPIRES;
            for (int i = 0; i < Long.BYTES; i++) {
                stored[1 + i] = (byte) (expiresAt >>> (56 - 8 * i));
            }
        }
        System.arraycopy(encoded, 0, stored, start, encoded.length);
        int length = start + encoded.length;
        int checksum = checksum(key, stored, length);
        stored[length] = (byte) (checksum >>> 24);
        stored[length + 1] = (byte) (checksum >>> 16);
        stored[length + 2] = (byte) (checksum >>> 8);
        stored[length + 3] = (byte) checksum;
        return stored;
    }

    /**
     * The instant stored bytes expire at, read without checking the checksum (a read of the value checks it).
     *
     * @return milliseconds since the epoch, or {@link Expiry#NONE}
     */
    static long expiresAt(byte[] stored) {
        if (stored.length < EXPIRY_BYTES + CHECKSUM_BYTES || stored[0] != EXPIRES) {
            return Expiry.NONE;
        }
        long expiresAt = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            expiresAt = expiresAt << 8 | (stored[1 + i] & 0xff);
        }
        return expiresAt;
    }

    /** Tells whether stored bytes (possibly {@code null}) hold a value at {@code now}. */
    static boolean live(byte[] stored, long now) {
        return stored != null && !Expiry.passed(expiresAt(stored), now);
    }

    /**
     * The same value with another expiry, after checking the checksum.
     *
     * @throws StateStoreException if the bytes are damaged
     */
    static byte[] withExpiry(String key, byte[] stored, long expiresAt, String where) {
        checked(key, stored, where);
        int start = stored[0] == EXPIRES ? EXPIRY_BYTES : 0;
        return withChecksum(key, Arrays.copyOfRange(stored, start, stored.length - CHECKSUM_BYTES), expiresAt);
    }

    /**
     * Decodes stored bytes, after checking their checksum.
     *
     * @param where names the file, for the message
     * @throws StateStoreException if the bytes are damaged
     */
    static Object decode(String key, byte[] stored, String where) {
        int length = checked(key, stored, where);
        int start = stored[0] == EXPIRES ? EXPIRY_BYTES : 0;
        try {
            return ValueCodec.decode(stored, start, length - start);
        } catch (IllegalArgumentException e) {
            throw damaged(key, where, e.getMessage());
        }
    }

    /** Checks the checksum; returns the length of what it covers. */
    private static int checked(String key, byte[] stored, String where) {
        int length = stored.length - CHECKSUM_BYTES;
        if (length < 1 || storedChecksum(stored, length) != checksum(key, stored, length)
                || stored[0] == EXPIRES && length <= EXPIRY_BYTES) {
            throw damaged(key, where, "its checksum does not match");
        }
        return length;
    }

    private static StateStoreException damaged(String key, String where, String why) {
        return new StateStoreException("the value of key \"" + Keys.excerpt(key) + "\" in " + where + " is damaged ("
                + why + "): the file was changed outside the store, by a disk fault or another program; restore"
                + " it from a backup");
    }

    private static int storedChecksum(byte[] stored, int at) {
        return (stored[at] & 0xff) << 24 | (stored[at + 1] & 0xff) << 16 | (stored[at + 2] & 0xff) << 8
                | stored[at + 3] & 0xff;
    }

    private static int checksum(String key, byte[] encoded, int length) {
        CRC32C crc = new CRC32C();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        crc.update(encoded, 0, length);
        return (int) crc.getValue();
    }

    /**
     * Makes sure a map's values carry checksums: a new or empty map is marked as having them; a map written
     * by an earlier version has every value rewritten with its checksum. The caller commits.
     *
     * @return whether anything was changed, so that a commit is needed
     */
    static boolean upgrade(DB db, String mapName, BTreeMap<String, byte[]> map) {
        Atomic.Integer format = db.atomicInteger(FORMAT_RECORD + mapName).createOrOpen();
        if (format.get() == CHECKSUMMED) {
            return false;
        }
        for (Map.Entry<String, byte[]> entry : map.entrySet()) {
            map.put(entry.getKey(), withChecksum(entry.getKey(), entry.getValue()));
        }
        format.set(CHECKSUMMED);
        return true;
    }
}
