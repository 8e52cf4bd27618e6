package io.statestore.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.statestore.StateStore;
import io.statestore.spi.StoreOptions;
import io.statestore.tck.StateStoreTck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract on a three-member cluster: a member in the test JVM and two member JVMs on loopback,
 * started once for the class. Two thirds of the keys live in the other JVMs, so most operations cross a
 * process boundary and every entry has its backup on another member.
 */
class HazelcastClusterTckTest extends StateStoreTck {

    private static final List<MemberProcess> others = new ArrayList<>();
    private static HazelcastInstance member;

    @BeforeAll
    static void startCluster() throws Exception {
        String cluster = "tck-cluster-" + UUID.randomUUID();
        String secret = MemberProcess.newSecret();
        int[] ports = MemberProcess.freePorts(3);
        try {
            // This member is master before the others start, so they all join it (see MemberProcess).
            member = Hazelcast.newHazelcastInstance(HazelcastSettings.read(StoreOptions.parse(
                    MemberProcess.memberUri(cluster, ports[0], ports, ""), Map.of("secret", secret))).memberConfig());
            for (int i = 1; i < ports.length; i++) {
                others.add(MemberProcess.start(ports[i], MemberProcess.memberUri(cluster, ports[i], ports, ""),
                        secret));
            }
            for (MemberProcess other : others) {
                other.awaitPrefix("READY", Duration.ofSeconds(60));
            }
            MemberProcess.awaitClusterSize(others, 3, Duration.ofSeconds(60));
        } catch (Exception | Error e) {
            stopCluster();
            throw e;
        }
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        try {
            if (member != null) {
                member.getLifecycleService().terminate();
            }
        } finally {
            MemberProcess.closeAll(others);
            others.clear();
        }
    }

    /** Hazelcast tells of an expiry when its expiration task, which samples entries every few seconds, reclaims it. */
    @Override
    protected java.time.Duration expiryEventWait() {
        return java.time.Duration.ofSeconds(60);
    }

    @Override
    protected StateStore openEmptyStore() {
        return HazelcastStateStore.wrap(member, "tck-" + UUID.randomUUID());
    }

    @Override
    protected int contentionThreads() {
        return 4;
    }

    @Override
    protected int contentionIncrementsPerThread() {
        return 500;
    }

    @Override
    protected int creationRaceRounds() {
        return 20;
    }

    @Override
    protected int compareAndSetIncrementsPerThread() {
        return 50;
    }

    @Override
    protected int randomValueCount() {
        return 200;
    }
}
