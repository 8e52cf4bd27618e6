package io.statestore.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.Map;

/**
 * Removes an entry on its owner. Run over every entry, it is {@code clear} that tells each key's watchers
 * of its removal: Hazelcast's own {@code IMap.clear()} fires one map-wide event and none per key.
 */
final class RemoveProcessor implements EntryProcessor<String, StateEntry, Boolean>, IdentifiedDataSerializable {

    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<String, StateEntry> entry) {
        entry.setValue(null);
        return Boolean.TRUE;
    }

    @Override
    public int getFactoryId() {
        return StateSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return StateSerialization.REMOVE;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }
}
