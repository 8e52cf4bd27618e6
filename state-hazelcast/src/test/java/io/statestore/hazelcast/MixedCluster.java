package io.statestore.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.statestore.spi.StoreOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A cluster of a member in this JVM and the others in child JVMs ({@link MemberProcess}), with a fresh name and
 * secret, started when every member sees all of them; closing it stops them all.
 */
record MixedCluster(HazelcastInstance member, List<MemberProcess> others) implements AutoCloseable {

    static MixedCluster start(String name, int size) throws InterruptedException {
        String cluster = name + "-" + UUID.randomUUID();
        String secret = MemberProcess.newSecret();
        int[] ports = MemberProcess.freePorts(size);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(HazelcastSettings.read(StoreOptions.parse(
                MemberProcess.memberUri(cluster, ports[0], ports, ""), Map.of("secret", secret))).memberConfig());
        List<MemberProcess> others = new ArrayList<>();
        boolean started = false;
        try {
            for (int i = 1; i < ports.length; i++) {
                others.add(MemberProcess.start(ports[i], MemberProcess.memberUri(cluster, ports[i], ports, ""), secret));
            }
            for (MemberProcess other : others) {
                other.awaitPrefix("READY", Duration.ofSeconds(60));
            }
            MemberProcess.awaitClusterSize(others, size, Duration.ofSeconds(60));
            started = true;
            return new MixedCluster(member, others);
        } finally {
            if (!started) {
                member.getLifecycleService().terminate();
                MemberProcess.closeAll(others);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        member.getLifecycleService().terminate();
        MemberProcess.closeAll(others);
    }
}
