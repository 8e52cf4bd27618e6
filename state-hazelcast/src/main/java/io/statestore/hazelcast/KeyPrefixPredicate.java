package io.statestore.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import java.io.IOException;
import java.util.Map;

/**
 * Selects the keys starting with a prefix whose entries have not expired at the caller's {@code now},
 * evaluated on each member over its own partitions.
 */
final class KeyPrefixPredicate implements Predicate<String, StateEntry>, IdentifiedDataSerializable {

    private static final long serialVersionUID = 1L;

    private String prefix;
    private long now;

    /** For deserialization only. */
    KeyPrefixPredicate() {
    }

    KeyPrefixPredicate(String prefix, long now) {
        this.prefix = prefix;
        this.now = now;
    }

    @Override
    public boolean apply(Map.Entry<String, StateEntry> entry) {
        return entry.getKey().startsWith(prefix) && StateEntry.live(entry.getValue(), now);
    }

    @Override
    public int getFactoryId() {
        return StateSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return StateSerialization.KEY_PREFIX;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(prefix);
        out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        prefix = in.readString();
        now = in.readLong();
    }
}
