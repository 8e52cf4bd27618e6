package io.statestore.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;

/**
 * Who sent an operation and its place in that caller's sequence: a caller is one thread of one store
 * handle, with a random 128-bit id, and a thread has at most one operation in flight. {@link #NONE} marks
 * an operation sent without exactly-once tracking.
 */
final class OperationId {

    static final OperationId NONE = new OperationId(0, 0, 0);

    final long callerHigh;
    final long callerLow;
    final long sequence;

    OperationId(long callerHigh, long callerLow, long sequence) {
        this.callerHigh = callerHigh;
        this.callerLow = callerLow;
        this.sequence = sequence;
    }

    boolean tracked() {
        return sequence != 0;
    }

    /**
     * Returns the record this operation left in an entry, or -1 when the entry has not seen it. A caller
     * sends its next operation only after this one returned, so a record with a later sequence can only
     * mean this is a stale copy of an operation already applied: it is treated as seen, never re-applied.
     */
    int recordIn(StateEntry entry) {
        if (!tracked() || entry == null) {
            return -1;
        }
        int record = entry.recordOf(callerHigh, callerLow);
        return record >= 0 && entry.callers()[record + 2] >= sequence ? record : -1;
    }

    void write(ObjectDataOutput out) throws IOException {
        out.writeLong(callerHigh);
        out.writeLong(callerLow);
        out.writeLong(sequence);
    }

    static OperationId read(ObjectDataInput in) throws IOException {
        long high = in.readLong();
        long low = in.readLong();
        long sequence = in.readLong();
        return sequence == 0 ? NONE : new OperationId(high, low, sequence);
    }
}
