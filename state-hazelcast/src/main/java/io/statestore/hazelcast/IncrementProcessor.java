package io.statestore.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.statestore.StateTypeException;
import io.statestore.spi.Counters;
import io.statestore.spi.Expiry;
import io.statestore.value.ValueCodec;
import java.io.IOException;
import java.util.Map;

/**
 * Adds to a counter on the partition thread of the key's owner, then again on each backup replica with the
 * same arguments. Returns the new value as a {@link Long}, or a {@link String} describing why nothing
 * changed (see {@link Outcome}), so no exception has to cross the wire. With an {@link OperationId} the
 * entry remembers the result, and a retried copy of the same operation returns it without adding again.
 * Whether the entry has expired is decided with the caller's {@code now}, carried as an argument, so the
 * owner and its backups decide alike.
 */
final class IncrementProcessor implements EntryProcessor<String, StateEntry, Object>, IdentifiedDataSerializable {

    private static final long serialVersionUID = 1L;

    private long amount;
    private OperationId operation;
    private int callersRemembered;
    private long expiresAtIfCreated;
    private long now;

    /** For deserialization only. */
    IncrementProcessor() {
    }

    IncrementProcessor(long amount, OperationId operation, int callersRemembered, long expiresAtIfCreated, long now) {
        this.amount = amount;
        this.operation = operation;
        this.callersRemembered = callersRemembered;
        this.expiresAtIfCreated = expiresAtIfCreated;
        this.now = now;
    }

    @Override
    public Object process(Map.Entry<String, StateEntry> entry) {
        StateEntry current = entry.getValue();
        int seen = operation.recordIn(current);
        if (seen >= 0) {
            return current.callers()[seen + 3];
        }
        boolean live = StateEntry.live(current, now);
        long next;
        try {
            next = Counters.add(entry.getKey(), live ? ValueCodec.decode(current.valueBytes()) : null, amount);
        } catch (ArithmeticException e) {
            return Outcome.OVERFLOW.describe(e.getMessage());
        } catch (StateTypeException e) {
            return Outcome.NOT_A_COUNTER.describe(e.getMessage());
        }
        long[] callers = current == null ? StateEntry.NO_CALLERS : current.callers();
        if (operation.tracked()) {
            callers = (current == null ? new StateEntry(null, StateEntry.NO_CALLERS, Expiry.NONE) : current)
                    .remember(operation.callerHigh, operation.callerLow, operation.sequence, next, callersRemembered);
        }
        StateEntry.set(entry, new StateEntry(ValueCodec.encode(next), callers,
                live ? current.expiresAt() : expiresAtIfCreated), now);
        return next;
    }

    @Override
    public int getFactoryId() {
        return StateSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return StateSerialization.INCREMENT;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(amount);
        operation.write(out);
        out.writeInt(callersRemembered);
        out.writeLong(expiresAtIfCreated);
        out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        amount = in.readLong();
        operation = OperationId.read(in);
        callersRemembered = in.readInt();
        expiresAtIfCreated = in.readLong();
        now = in.readLong();
    }

    /** Why an operation left the entry unchanged, encoded as the first character of the reply. */
    enum Outcome {
        OVERFLOW('A'),
        NOT_A_COUNTER('T');

        private final char code;

        Outcome(char code) {
            this.code = code;
        }

        String describe(String message) {
            return code + message;
        }

        /** Throws the exception a failure reply stands for, on the caller's side. */
        static RuntimeException toException(String reply) {
            String message = reply.substring(1);
            if (reply.charAt(0) == OVERFLOW.code) {
                return new ArithmeticException(message);
            }
            return new StateTypeException(message);
        }
    }
}
