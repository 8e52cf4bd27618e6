package io.statestore.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.statestore.StateStore;
import io.statestore.spi.StoreOptions;
import io.statestore.tck.StateStoreTck;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract on one embedded member, started once for the class with the configuration a
 * {@code hazelcast:} URI builds; each test gets a fresh map of its own.
 */
class HazelcastEmbeddedTckTest extends StateStoreTck {

    private static HazelcastInstance member;

    @BeforeAll
    static void startMember() {
        int port = MemberProcess.freePorts(1)[0];
        member = Hazelcast.newHazelcastInstance(HazelcastSettings.read(StoreOptions.parse(
                "hazelcast:?cluster=tck-" + UUID.randomUUID() + "&interface=127.0.0.1&port=" + port, Map.of()))
                .memberConfig());
    }

    @AfterAll
    static void stopMember() {
        if (member != null) {
            member.getLifecycleService().terminate();
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
    protected int contentionIncrementsPerThread() {
        return 2_000;
    }
}
