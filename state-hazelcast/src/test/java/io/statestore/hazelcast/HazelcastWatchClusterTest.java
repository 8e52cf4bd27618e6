package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.statestore.StateStore;
import io.statestore.Subscription;
import io.statestore.WatchEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        Map<String, List<WatchEvent>> byKey = new ConcurrentHashMap<>();
        AtomicBoolean lost = new AtomicBoolean();
        try (MixedCluster cluster = MixedCluster.start("watch", 3);
                StateStore store = HazelcastStateStore.wrap(cluster.member(), HazelcastSettings.DEFAULT_MAP)) {
            List<MemberProcess> others = cluster.others();
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
        }
    }

    private static long received(Map<String, List<WatchEvent>> byKey) {
        return byKey.values().stream().mapToLong(List::size).sum();
    }

    private static String describe(WatchEvent event) {
        return event.kind() == WatchEvent.Kind.SET ? "SET " + event.value() : event.kind().name();
    }
}
