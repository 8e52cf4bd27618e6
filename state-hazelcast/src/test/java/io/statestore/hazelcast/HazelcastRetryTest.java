package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.statestore.spi.StoreOptions;
import io.statestore.spi.Expiry;
import io.statestore.value.ValueCodec;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replays what Hazelcast does when it retries an operation after a member left: the same processor, with
 * the same operation id, arrives a second time, possibly at the member that held the backup.
 */
@Timeout(60)
class HazelcastRetryTest {

    private HazelcastInstance first;
    private HazelcastInstance second;

    @BeforeEach
    void startTwoMembers() {
        String cluster = "retry-" + UUID.randomUUID();
        int[] ports = MemberProcess.freePorts(2);
        String members = "&members=127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        String secret = MemberProcess.newSecret();
        first = Hazelcast.newHazelcastInstance(config(cluster, secret, ports[0], members));
        second = Hazelcast.newHazelcastInstance(config(cluster, secret, ports[1], members));
    }

    private static com.hazelcast.config.Config config(String cluster, String secret, int port, String members) {
        return HazelcastSettings.read(StoreOptions.parse("hazelcast:?cluster=" + cluster + "&port=" + port
                + members + "&interface=127.0.0.1&joinTimeout=1&waitBeforeJoin=0&map=state&backups=1",
                Map.of("secret", secret))).memberConfig();
    }

    @AfterEach
    void stopMembers() {
        for (HazelcastInstance member : new HazelcastInstance[] {first, second}) {
            if (member != null) {
                member.getLifecycleService().terminate();
            }
        }
    }

    /** A key whose primary copy is on {@code first}, so its backup is on {@code second}. */
    private String keyOwnedByFirst() {
        for (int i = 0; ; i++) {
            String key = "counter-" + i;
            if (first.getPartitionService().getPartition(key).getOwner().localMember()) {
                return key;
            }
        }
    }

    private static long valueOf(IMap<String, StateEntry> map, String key) {
        return (Long) ValueCodec.decode(map.get(key).valueBytes());
    }

    @Test
    void aRetriedIncrementReturnsTheFirstResultWithoutAddingAgain() {
        IMap<String, StateEntry> map = second.getMap("state");
        String key = keyOwnedByFirst();
        map.executeOnKey(key, new IncrementProcessor(10, new OperationId(1, 2, 1), 64, Expiry.NONE, Expiry.now()));
        IncrementProcessor increment = new IncrementProcessor(5, new OperationId(1, 2, 2), 64, Expiry.NONE, Expiry.now());

        assertEquals(15L, map.executeOnKey(key, increment));
        assertEquals(15L, map.executeOnKey(key, increment), "the retry is answered from the entry");
        assertEquals(15L, valueOf(map, key));
    }

    @Test
    void theBackupRemembersSoARetryOnThePromotedBackupIsNotAppliedAgain() {
        IMap<String, StateEntry> map = second.getMap("state");
        String key = keyOwnedByFirst();
        IncrementProcessor increment = new IncrementProcessor(7, new OperationId(3, 4, 1), 64, Expiry.NONE, Expiry.now());
        assertEquals(7L, map.executeOnKey(key, increment));

        first.getLifecycleService().terminate();
        assertTrue(waitUntilAlone(second), "the second member sees the first gone");

        assertEquals(7L, map.executeOnKey(key, increment), "the promoted backup answers from memory");
        assertEquals(7L, valueOf(map, key), "the increment was applied once");
        assertEquals(8L, map.executeOnKey(key, new IncrementProcessor(1, new OperationId(3, 4, 2), 64, Expiry.NONE, Expiry.now())),
                "the caller's next operation is applied");
    }

    @Test
    void withoutOperationIdsARetryIsAppliedTwice() {
        IMap<String, StateEntry> map = second.getMap("state");
        String key = keyOwnedByFirst();
        IncrementProcessor untracked = new IncrementProcessor(7, OperationId.NONE, 64, Expiry.NONE, Expiry.now());
        map.executeOnKey(key, untracked);
        first.getLifecycleService().terminate();
        assertTrue(waitUntilAlone(second));

        assertEquals(14L, map.executeOnKey(key, untracked), "this is what exactlyOnce=false allows");
    }

    @Test
    void aRetriedCompareAndSetStillReportsItsSuccess() {
        IMap<String, StateEntry> map = second.getMap("state");
        String key = keyOwnedByFirst();
        map.set(key, new StateEntry(ValueCodec.encode("old"), StateEntry.NO_CALLERS, Expiry.NONE));
        CompareAndSetProcessor swap = new CompareAndSetProcessor(ValueCodec.encode("old"), ValueCodec.encode("new"),
                new OperationId(5, 6, 1), 64, Expiry.NONE, Expiry.now());
        assertTrue(map.executeOnKey(key, swap));
        first.getLifecycleService().terminate();
        assertTrue(waitUntilAlone(second));

        assertTrue(map.executeOnKey(key, swap), "the swap happened, and the retry says so");
        assertEquals("new", ValueCodec.decode(map.get(key).valueBytes()));
    }

    @Test
    void anEntryForgetsTheOldestCallersBeyondItsWindow() {
        IMap<String, StateEntry> map = second.getMap("state");
        String key = keyOwnedByFirst();
        IncrementProcessor early = new IncrementProcessor(1, new OperationId(9, 0, 1), 2, Expiry.NONE, Expiry.now());
        map.executeOnKey(key, early);
        map.executeOnKey(key, new IncrementProcessor(1, new OperationId(9, 1, 1), 2, Expiry.NONE, Expiry.now()));
        assertEquals(1L, map.executeOnKey(key, early), "still within the window of two callers: its own result");
        map.executeOnKey(key, new IncrementProcessor(1, new OperationId(9, 2, 1), 2, Expiry.NONE, Expiry.now()));

        assertEquals(2, map.get(key).callers().length / StateEntry.RECORD, "two callers remembered");
        assertEquals(4L, map.executeOnKey(key, early), "a retry from beyond the window is applied again");
    }

    private static boolean waitUntilAlone(HazelcastInstance member) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (member.getCluster().getMembers().size() > 1) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
