package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.statestore.StateStore;
import io.statestore.Subscription;
import io.statestore.WatchEvent;
import io.statestore.spi.StoreOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three members, this JVM (A) and two children (B, C): a watcher attached through A sees every change B and C
 * make, each key's in the order it was applied, including a counter both increment.
 */
class HazelcastWatchClusterTest {

    private static final int KEYS = 20;
    private static final int ROUNDS = 150;

    @Test
    @Timeout(240)
    @DisplayName("a watcher on one member sees every change made through the two others, in per-key order (3 JVMs)")
    void watcherSeesChangesMadeThroughOtherMembers() throws Exception {
        String cluster = "watch-" + UUID.randomUUID();
        String secret = MemberProcess.newSecret();
        int[] ports = MemberProcess.freePorts(3);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(HazelcastSettings.read(StoreOptions.parse(
                MemberProcess.memberUri(cluster, ports[0], ports, ""), Map.of("secret", secret))).memberConfig());
        List<MemberProcess> others = new ArrayList<>();
        Map<String, List<WatchEvent>> byKey = new ConcurrentHashMap<>();
        AtomicBoolean lost = new AtomicBoolean();
        try (StateStore store = HazelcastStateStore.wrap(member, HazelcastSettings.DEFAULT_MAP)) {
            for (int i = 1; i < ports.length; i++) {
                others.add(MemberProcess.start(ports[i], MemberProcess.memberUri(cluster, ports[i], ports, ""), secret));
            }
            for (MemberProcess other : others) {
                other.awaitPrefix("READY", Duration.ofSeconds(60));
            }
            MemberProcess.awaitClusterSize(others, 3, Duration.ofSeconds(60));
            try (Subscription subscription = store.watch("w:", event -> {
                if (event.kind() == WatchEvent.Kind.LOST) {
                    lost.set(true);
                } else {
                    byKey.computeIfAbsent(event.key(), k -> new CopyOnWriteArrayList<>()).add(event);
                }
            })) {
                others.get(0).send("WRITE w:b- " + KEYS + " " + ROUNDS + " w:shared");
                others.get(1).send("WRITE w:c- " + KEYS + " " + ROUNDS + " w:shared");
                for (MemberProcess other : others) {
                    other.awaitPrefix("WROTE", Duration.ofSeconds(150));
                }
                long expected = (long) KEYS * 2 * (ROUNDS + 1) + 2L * ROUNDS;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received(byKey) < expected && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertFalse(lost.get(), "the watcher was told events were lost");
                for (String writer : List.of("w:b-", "w:c-")) {
                    for (int k = 0; k < KEYS; k++) {
                        List<String> seen = byKey.getOrDefault(writer + k, List.of()).stream()
                                .map(HazelcastWatchClusterTest::describe).toList();
                        List<String> wanted = new ArrayList<>();
                        LongStream.range(0, ROUNDS).forEach(round -> wanted.add("SET " + round));
                        wanted.add("DELETE");
                        assertEquals(wanted, seen, "events of " + writer + k);
                    }
                }
                List<String> counter = byKey.getOrDefault("w:shared", List.of()).stream()
                        .map(HazelcastWatchClusterTest::describe).toList();
                List<String> wanted = LongStream.rangeClosed(1, 2L * ROUNDS).mapToObj(n -> "SET " + n).toList();
                assertEquals(wanted, counter, "the counter both members increment: every value once, in order");
                System.out.println("watch across 3 JVMs: " + received(byKey) + " events through member A, of "
                        + expected + " changes made through B and C");
            }
        } finally {
            MemberProcess.closeAll(others);
            member.shutdown();
        }
    }

    private static long received(Map<String, List<WatchEvent>> byKey) {
        return byKey.values().stream().mapToLong(List::size).sum();
    }

    private static String describe(WatchEvent event) {
        return event.kind() == WatchEvent.Kind.SET ? "SET " + event.value() : event.kind().name();
    }
}
