package io.statestore.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import java.io.IOException;
import java.util.Map;

/** Selects keys starting with a prefix, evaluated on each member over its own partitions. */
final class KeyPrefixPredicate implements Predicate<String, StateEntry>, IdentifiedDataSerializable {

    private static final long serialVersionUID = 1L;

    private String prefix;

    /** For deserialization only. */
    KeyPrefixPredicate() {
    }

    KeyPrefixPredicate(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public boolean apply(Map.Entry<String, StateEntry> entry) {
        return entry.getKey().startsWith(prefix);
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
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        prefix = in.readString();
    }
}
