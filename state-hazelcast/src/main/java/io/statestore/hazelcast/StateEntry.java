package io.statestore.hazelcast;

import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import io.statestore.spi.Expiry;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the map holds for a key: the value's msgpack bytes, plus the callers whose counter or
 * compare-and-set operations this entry remembers, so that an operation Hazelcast retries after a member
 * left is answered from memory instead of applied twice.
 *
 * <p>The entry also carries the instant it expires ({@link Expiry}; {@link Expiry#NONE} for none): it is the
 * truth about expiry, checked at every read to the millisecond, while the Hazelcast time to live set with it
 * ({@link #hazelcastTtlSeconds}) only reclaims the entry, a little later, at Hazelcast's precision of a
 * second.
 *
 * <p>The callers are a flat array of records of {@link #RECORD} longs (caller id high and low bits, the
 * caller's sequence number, the operation's result), oldest first. Instances are never mutated once built:
 * the primary and the backup replica compute the same new entry from the same old one.
 */
public final class StateEntry implements IdentifiedDataSerializable {

    static final int RECORD = 4;
    static final long[] NO_CALLERS = new long[0];

    private byte[] value;
    private long[] callers;
    private long expiresAt;

    /** For deserialization only. */
    StateEntry() {
    }

    StateEntry(byte[] value, long[] callers, long expiresAt) {
        this.value = value;
        this.callers = callers;
        this.expiresAt = expiresAt;
    }

    /**
     * Returns when this entry expires.
     *
     * @return milliseconds since the epoch, or {@link Expiry#NONE}
     */
    public long expiresAt() {
        return expiresAt;
    }

    /** Tells whether the entry {@code entry} (possibly {@code null}) holds a value at {@code now}. */
    static boolean live(StateEntry entry, long now) {
        return entry != null && !Expiry.passed(entry.expiresAt, now);
    }

    /**
     * The Hazelcast time to live, in seconds, that reclaims an entry expiring at {@code expiresAt} no
     * earlier than that instant: rounded up, plus a second for Hazelcast's own rounding; 0 (for ever) for none.
     */
    static long hazelcastTtlSeconds(long expiresAt, long now) {
        return expiresAt == Expiry.NONE ? 0 : Math.max(1, (expiresAt - now + 999) / 1000 + 1);
    }

    /** Sets {@code value} as the entry's new value, with the Hazelcast time to live its expiry asks for. */
    @SuppressWarnings("unchecked")
    static void set(Map.Entry<String, StateEntry> entry, StateEntry value, long now) {
        if (value != null && entry instanceof ExtendedMapEntry) {
            ((ExtendedMapEntry<String, StateEntry>) entry).setValue(value,
                    hazelcastTtlSeconds(value.expiresAt, now), TimeUnit.SECONDS);
        } else {
            entry.setValue(value);
        }
    }

    /**
     * Returns the value's msgpack bytes (see {@link io.statestore.value.ValueCodec}); do not modify them.
     *
     * @return the bytes
     */
    public byte[] valueBytes() {
        return value;
    }

    long[] callers() {
        return callers;
    }

    /** Returns the index of a caller's record, or -1. */
    int recordOf(long callerHigh, long callerLow) {
        for (int i = 0; i < callers.length; i += RECORD) {
            if (callers[i] == callerHigh && callers[i + 1] == callerLow) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Returns the callers with one caller's latest operation recorded as the newest record, the oldest
     * records dropped beyond {@code limit} callers. Depends on nothing but the arguments, so a backup
     * computes the same array as the primary.
     */
    long[] remember(long callerHigh, long callerLow, long sequence, long result, int limit) {
        int existing = recordOf(callerHigh, callerLow);
        int kept = callers.length / RECORD - (existing < 0 ? 0 : 1);
        int drop = Math.max(0, kept + 1 - limit);
        long[] next = new long[(kept - drop + 1) * RECORD];
        int out = 0;
        int skipped = 0;
        for (int i = 0; i < callers.length; i += RECORD) {
            if (i == existing) {
                continue;
            }
            if (skipped < drop) {
                skipped++;
                continue;
            }
            System.arraycopy(callers, i, next, out, RECORD);
            out += RECORD;
        }
        next[out] = callerHigh;
        next[out + 1] = callerLow;
        next[out + 2] = sequence;
        next[out + 3] = result;
        return next;
    }

    @Override
    public int getFactoryId() {
        return StateSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return StateSerialization.STATE_ENTRY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(value);
        out.writeLongArray(callers);
        out.writeLong(expiresAt);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        value = in.readByteArray();
        long[] read = in.readLongArray();
        callers = read == null ? NO_CALLERS : read;
        expiresAt = in.readLong();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StateEntry && Arrays.equals(value, ((StateEntry) other).value)
                && Arrays.equals(callers, ((StateEntry) other).callers) && expiresAt == ((StateEntry) other).expiresAt;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(value) + Arrays.hashCode(callers)) + Long.hashCode(expiresAt);
    }

    @Override
    public String toString() {
        return "StateEntry[" + value.length + " bytes, " + callers.length / RECORD + " callers remembered]";
    }
}
