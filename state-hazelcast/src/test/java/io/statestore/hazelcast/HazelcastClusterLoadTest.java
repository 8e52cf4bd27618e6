package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three member JVMs increment shared counters and store values at the same time. */
class HazelcastClusterLoadTest {

    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 1_000;
    private static final int COUNTERS = 8;
    private static final int STORE_EVERY = 5;

    @Test
    @Timeout(180)
    void incrementsFromThreeMemberJvmsAddUpExactly() throws Exception {
        String cluster = "load-" + UUID.randomUUID();
        String secret = MemberProcess.newSecret();
        int[] ports = MemberProcess.freePorts(3);
        List<MemberProcess> members = MemberProcess.startCluster(cluster, secret, ports, "&map=state",
                Duration.ofSeconds(60));
        try {
            for (MemberProcess member : members) {
                member.send("LOAD shared- " + THREADS + " " + OPS_PER_THREAD + " " + COUNTERS + " " + STORE_EVERY);
            }
            ClusterLoad load = new ClusterLoad();
            for (MemberProcess member : members) {
                load.add(ClusterLoad.await(member, Duration.ofSeconds(120)));
            }
            assertEquals(0, load.totalFailed(), "no increment fails in a healthy cluster");
            assertEquals(List.of(), load.failedStores, "no store fails in a healthy cluster");
            try (StateStore client = StateStores.open("hazelcast:?mode=client&map=state&cluster=" + cluster
                    + "&members=127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1], Map.of("secret", secret))) {
                long total = 0;
                for (Map.Entry<String, Long> counter : load.succeeded.entrySet()) {
                    assertEquals(counter.getValue(), client.fetch(counter.getKey()).orElseThrow(),
                            counter.getKey() + " holds every increment once");
                    total += counter.getValue();
                }
                assertEquals(3L * THREADS * OPS_PER_THREAD, total, "every increment was counted");
                assertEquals(load.stored, client.keys("shared-v-").size(), "every stored value is there");
                for (int port : ports) {
                    for (int thread = 0; thread < THREADS; thread++) {
                        long lastStored = (OPS_PER_THREAD - 1) / STORE_EVERY * STORE_EVERY;
                        assertEquals(lastStored, client.fetch("shared-v-" + port + "-" + thread + "-" + lastStored)
                                .orElseThrow());
                    }
                }
            }
        } finally {
            MemberProcess.closeAll(members);
        }
    }
}
