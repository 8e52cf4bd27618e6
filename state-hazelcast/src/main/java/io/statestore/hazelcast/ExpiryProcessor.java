package io.statestore.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.statestore.spi.Expiry;
import java.io.IOException;
import java.util.Map;

/**
 * Gives a present entry a new expiry instant ({@code expire}), or none ({@code persist}), on the key's owner,
 * keeping its value and remembered callers. Answers {@code expire}: whether the key was present;
 * {@code persist}: whether it was present with an expiry. An expired entry is absent, decided with the
 * caller's {@code now}. Setting the same instant twice changes nothing, so a retried copy is harmless.
 */
final class ExpiryProcessor implements EntryProcessor<String, StateEntry, Boolean>, IdentifiedDataSerializable {

    private static final long serialVersionUID = 1L;

    private long expiresAt;
    private long now;

    /** For deserialization only. */
    ExpiryProcessor() {
    }

    ExpiryProcessor(long expiresAt, long now) {
        this.expiresAt = expiresAt;
        this.now = now;
    }

    @Override
    public Boolean process(Map.Entry<String, StateEntry> entry) {
        StateEntry current = entry.getValue();
        if (!StateEntry.live(current, now)) {
            return false;
        }
        boolean hadExpiry = current.expiresAt() != Expiry.NONE;
        StateEntry.set(entry, new StateEntry(current.valueBytes(), current.callers(), expiresAt), now);
        return expiresAt != Expiry.NONE || hadExpiry;
    }

    @Override
    public int getFactoryId() {
        return StateSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return StateSerialization.EXPIRY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(expiresAt);
        out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        expiresAt = in.readLong();
        now = in.readLong();
    }
}
