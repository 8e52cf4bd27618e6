package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.statestore.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three members, this JVM and two children: keys owned by one child are written with expiries, the child is
 * killed with {@code kill -9}, and on the promoted backups each key keeps its expiry: the long ones live on
 * with their time left, the short ones vanish on time, from reads and from Hazelcast's map alike.
 */
class HazelcastExpiryFailoverTest {

    private static final int KEYS = 20;
    /** Long enough to check the entries of the promoted backups before it passes, even on a loaded machine. */
    private static final Duration SHORT = Duration.ofSeconds(6);
    private static final Duration LONG = Duration.ofHours(1);

    @Test
    @Timeout(180)
    @DisplayName("a key's expiry holds after the member that owned it is killed (3 JVMs)")
    void expiryOutlivesTheOwner() throws Exception {
        try (MixedCluster cluster = MixedCluster.start("expiry", 3)) {
            HazelcastInstance member = cluster.member();
            MemberProcess victim = cluster.others().get(0);
            try (StateStore store = HazelcastStateStore.wrap(member, "expiry")) {
                List<String> owned = ownedBy(member, victim.port);
                for (int i = 0; i < KEYS; i++) {
                    store.store("long-" + owned.get(i), "kept", LONG);
                    store.store("short-" + owned.get(i), "goes", SHORT);
                    store.incr("window-" + owned.get(i), 1, SHORT);
                    store.store("plain-" + owned.get(i), "stays");
                }
                long written = System.nanoTime();  // every short key expires by written + SHORT
                victim.kill();
                MemberProcess.awaitClusterSize(cluster.others().subList(1, 2), 2, Duration.ofSeconds(60));
                // On the promoted backups, each entry kept the Hazelcast time to live that reclaims it.
                IMap<String, StateEntry> map = store.unwrap(IMap.class);
                for (int i = 0; i < KEYS; i++) {
                    long shortTtl = map.getEntryView("short-" + owned.get(i)).getTtl();
                    long longTtl = map.getEntryView("long-" + owned.get(i)).getTtl();
                    long plainTtl = map.getEntryView("plain-" + owned.get(i)).getTtl();
                    assertTrue(shortTtl >= SHORT.toMillis() && shortTtl <= SHORT.toMillis() + 2000,
                            "short-" + owned.get(i) + " has a Hazelcast TTL of " + shortTtl + " ms");
                    assertTrue(longTtl >= LONG.toMillis() && longTtl <= LONG.toMillis() + 2000,
                            "long-" + owned.get(i) + " has a Hazelcast TTL of " + longTtl + " ms");
                    assertTrue(plainTtl == 0 || plainTtl == Long.MAX_VALUE,
                            "plain-" + owned.get(i) + " has a Hazelcast TTL of " + plainTtl + " ms");
                }
                for (int i = 0; i < KEYS; i++) {
                    Optional<Duration> left = store.timeToLive("long-" + owned.get(i));
                    assertTrue(left.isPresent() && left.get().compareTo(LONG.minusMinutes(5)) > 0,
                            "long-" + owned.get(i) + " has " + left + " left after its owner died");
                    assertEquals(Optional.empty(), store.timeToLive("plain-" + owned.get(i)));
                }
                Thread.sleep(Math.max(0, SHORT.toMillis() + 100 - (System.nanoTime() - written) / 1_000_000));
                for (int i = 0; i < KEYS; i++) {
                    assertEquals(Optional.empty(), store.fetch("short-" + owned.get(i)), "short-" + owned.get(i));
                    assertEquals(Optional.empty(), store.fetch("window-" + owned.get(i)), "window-" + owned.get(i));
                    assertEquals(Optional.of("kept"), store.fetch("long-" + owned.get(i)));
                    assertEquals(Optional.of("stays"), store.fetch("plain-" + owned.get(i)));
                }
                assertEquals(2L * KEYS, store.size());
                // Hazelcast's expiration task reclaims them in the background, at its own pace (it samples every
                // few seconds): some within a minute, even on a loaded machine.
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (map.size() == 4 * KEYS && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertTrue(map.size() < 4 * KEYS, "Hazelcast reclaimed none of the expired entries in a minute");
            }
        }
    }

    /** Keys whose partitions the member on {@code port} owns. */
    private static List<String> ownedBy(HazelcastInstance member, int port) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < KEYS; i++) {
            String key = "k" + i;
            // The same partition as the keys the test writes: partitions are by key, so test each written form.
            if (ownerPort(member, "long-" + key) == port && ownerPort(member, "short-" + key) == port
                    && ownerPort(member, "window-" + key) == port && ownerPort(member, "plain-" + key) == port) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static int ownerPort(HazelcastInstance member, String key) {
        return member.getPartitionService().getPartition(key).getOwner().getAddress().getPort();
    }
}
