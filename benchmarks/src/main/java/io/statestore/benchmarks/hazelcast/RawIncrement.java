package io.statestore.benchmarks.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.Map;

/**
 * The reference: the plainest counter a Hazelcast user writes, a {@code Long} value and an increment
 * processor, serialized as cheaply as the store's own (identified data serializable).
 */
public final class RawIncrement implements EntryProcessor<String, Long, Long>, IdentifiedDataSerializable {

    static final int FACTORY_ID = 0x42454E43;

    @Override
    public Long process(Map.Entry<String, Long> entry) {
        Long current = entry.getValue();
        long next = current == null ? 1 : current + 1;
        entry.setValue(next);
        return next;
    }

    @Override
    public int getFactoryId() {
        return FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return 1;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }

    /** Creates {@link RawIncrement}s on the member that runs them. */
    static final class Factory implements DataSerializableFactory {
        @Override
        public IdentifiedDataSerializable create(int typeId) {
            return new RawIncrement();
        }
    }
}
