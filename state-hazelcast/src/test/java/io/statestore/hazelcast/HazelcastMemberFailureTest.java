package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.PartitionService;
import io.statestore.StateStore;
import io.statestore.StateStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * Three member JVMs run the load of {@link HazelcastClusterLoadTest} with one synchronous backup, and one of
 * them is killed with {@code kill -9} mid-run. The victim increments counters of its own; the shared
 * counters are incremented only by the two survivors, whose every call is accounted for, and are chosen
 * so that the victim owns them all: every increment in flight at the kill is one Hazelcast must retry.
 *
 * <p>What is asserted, per shared counter: with {@code s} increments that returned and {@code f} that threw,
 * the value lies in {@code [s, s + f]}. A call that threw may or may not have been applied (it was in flight
 * when the member died: indeterminate), but none may be applied twice and none that returned may be lost.
 * Every entry stored before the kill, by the test or by a survivor, is readable afterwards.
 *
 * <p>Run with {@code -Dstatestore.fault.exactlyOnce=false} to see what Hazelcast's retries do without
 * operation ids: the test then fails, reporting the doubled increments.
 */
class HazelcastMemberFailureTest {

    private static final int THREADS = Integer.getInteger("statestore.fault.threads", 4);
    private static final int OPS_PER_THREAD = 1_500;
    private static final int COUNTERS = 4;
    private static final int STORE_EVERY = 5;
    private static final int PRELOADED = 500;

    /**
     * Finds a counter prefix whose counters all live on one member, so that every increment the survivors
     * have in flight when it dies goes to it: that is when Hazelcast retries.
     */
    private static String prefixOwnedBy(HazelcastInstance client, int ownerPort) {
        PartitionService partitions = client.getPartitionService();
        for (int attempt = 0; ; attempt++) {
            String prefix = "shared" + attempt + "-";
            boolean allOwned = true;
            for (int c = 0; c < COUNTERS && allOwned; c++) {
                Member owner = awaitOwner(partitions, prefix + "c" + c);
                allOwned = owner.getAddress().getPort() == ownerPort;
            }
            if (allOwned) {
                return prefix;
            }
        }
    }

    private static Member awaitOwner(PartitionService partitions, String key) {
        Member owner;
        // The partition table reaches a new client shortly after it connects.
        while ((owner = partitions.getPartition(key).getOwner()) == null) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the partition table", e);
            }
        }
        return owner;
    }

    @RepeatedTest(5)
    @Timeout(120)
    void killingAMemberMidRunLosesAndDoublesNothing() throws Exception {
        String exactlyOnce = System.getProperty("statestore.fault.exactlyOnce", "true");
        String cluster = "fault-" + UUID.randomUUID();
        int[] ports = MemberProcess.freePorts(3);
        String secret = MemberProcess.newSecret();
        List<MemberProcess> members = MemberProcess.startCluster(cluster, secret, ports,
                "&map=state&backups=1&exactlyOnce=" + exactlyOnce, Duration.ofSeconds(60));
        String clientUri = "hazelcast:?mode=client&map=state&exactlyOnce=" + exactlyOnce + "&cluster=" + cluster
                + "&members=127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        try (StateStore client = StateStores.open(clientUri, Map.of("secret", secret))) {
            Map<String, Object> preloaded = new LinkedHashMap<>();
            for (int i = 0; i < PRELOADED; i++) {
                preloaded.put("pre-" + i, List.of("entry", (long) i));
            }
            client.storeAll(preloaded);

            MemberProcess victim = members.get(2);
            List<MemberProcess> survivors = members.subList(0, 2);
            String load = " " + THREADS + " " + OPS_PER_THREAD + " " + COUNTERS + " " + STORE_EVERY;
            victim.send("LOAD victim-" + load);
            String shared = prefixOwnedBy(client.unwrap(HazelcastInstance.class), victim.port);
            for (MemberProcess survivor : survivors) {
                survivor.send("LOAD " + shared + load);
            }
            survivors.get(0).awaitPrefix("PROGRESS", Duration.ofSeconds(60));
            victim.kill();

            ClusterLoad result = new ClusterLoad();
            for (MemberProcess survivor : survivors) {
                result.add(ClusterLoad.await(survivor, Duration.ofSeconds(90)));
            }

            long doubled = 0;
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, Long> counter : result.succeeded.entrySet()) {
                long succeeded = counter.getValue();
                long failed = result.failed.get(counter.getKey());
                long value = (Long) client.fetch(counter.getKey()).orElse(0L);
                if (value < succeeded) {
                    problems.add(counter.getKey() + " lost " + (succeeded - value) + " acknowledged increments");
                }
                if (value > succeeded + failed) {
                    doubled += value - succeeded - failed;
                    problems.add(counter.getKey() + " = " + value + " but only " + succeeded + " increments returned"
                            + " and " + failed + " threw");
                }
            }
            System.out.printf("member kill (exactlyOnce=%s): %d increments returned, %d threw, %d applied twice%n",
                    exactlyOnce, result.succeeded.values().stream().mapToLong(Long::longValue).sum(),
                    result.totalFailed(), doubled);
            assertEquals(List.of(), problems, "no increment lost or applied twice (" + doubled + " doubled)");

            Map<String, Object> found = client.fetchAll(preloaded.keySet());
            List<String> missing = new ArrayList<>();
            preloaded.forEach((key, value) -> {
                if (!value.equals(found.get(key))) {
                    missing.add(key + "=" + found.get(key));
                }
            });
            assertEquals(List.of(), missing, "every entry preloaded before the kill is readable after it");
            assertEquals(result.stored, client.keys(shared + "v-").size(),
                    "every store a survivor saw return is readable (failed stores: " + result.failedStores + ")");
            assertTrue(client.size() >= PRELOADED + result.stored, "nothing vanished");
        } finally {
            MemberProcess.closeAll(members);
        }
    }
}
