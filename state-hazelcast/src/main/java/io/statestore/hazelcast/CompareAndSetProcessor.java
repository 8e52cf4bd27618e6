package io.statestore.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.statestore.spi.Expiry;
import io.statestore.value.ValueCodec;
import io.statestore.value.Values;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Replaces (or removes) a value on the key's owner if it equals the expected one by value-model equality,
 * {@code null} standing for absence on both sides. A successful swap that leaves an entry is remembered
 * under its {@link OperationId}, so a retried copy answers {@code true} instead of comparing against its
 * own update. An expired entry is absent, decided with the caller's {@code now}; the new value gets the
 * expiry instant passed.
 */
final class CompareAndSetProcessor implements EntryProcessor<String, StateEntry, Boolean>,
        IdentifiedDataSerializable {

    private static final long serialVersionUID = 1L;

    private byte[] expected;
    private byte[] update;
    private OperationId operation;
    private int callersRemembered;
    private long expiresAt;
    private long now;

    /** For deserialization only. */
    CompareAndSetProcessor() {
    }

    CompareAndSetProcessor(byte[] expected, byte[] update, OperationId operation, int callersRemembered,
            long expiresAt, long now) {
        this.expected = expected;
        this.update = update;
        this.operation = operation;
        this.callersRemembered = callersRemembered;
        this.expiresAt = expiresAt;
        this.now = now;
    }

    @Override
    public Boolean process(Map.Entry<String, StateEntry> entry) {
        StateEntry current = entry.getValue();
        int seen = operation.recordIn(current);
        if (seen >= 0) {
            return current.callers()[seen + 3] != 0;
        }
        if (!matches(StateEntry.live(current, now) ? current : null)) {
            return false;
        }
        if (update == null) {
            entry.setValue(null);
            return true;
        }
        long[] callers = current == null ? StateEntry.NO_CALLERS : current.callers();
        if (operation.tracked()) {
            callers = (current == null ? new StateEntry(null, StateEntry.NO_CALLERS, Expiry.NONE) : current)
                    .remember(operation.callerHigh, operation.callerLow, operation.sequence, 1, callersRemembered);
        }
        StateEntry.set(entry, new StateEntry(update, callers, expiresAt), now);
        return true;
    }

    private boolean matches(StateEntry current) {
        if (current == null || expected == null) {
            return current == null && expected == null;
        }
        // Equal bytes are equal values; different bytes may still be equal values (map order, int widths).
        return Arrays.equals(current.valueBytes(), expected)
                || Values.equal(ValueCodec.decode(current.valueBytes()), ValueCodec.decode(expected));
    }

    @Override
    public int getFactoryId() {
        return StateSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return StateSerialization.COMPARE_AND_SET;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(expected);
        out.writeByteArray(update);
        operation.write(out);
        out.writeInt(callersRemembered);
        out.writeLong(expiresAt);
        out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        expected = in.readByteArray();
        update = in.readByteArray();
        operation = OperationId.read(in);
        callersRemembered = in.readInt();
        expiresAt = in.readLong();
        now = in.readLong();
    }
}
