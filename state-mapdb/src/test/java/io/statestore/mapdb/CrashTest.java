package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.value.Values;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Kills a writing child JVM with SIGKILL at random moments, many times over one file, and checks after
 * each kill that the file reopens and holds what the durability mode promises:
 * <ul>
 * <li>SYNC: every acknowledged store and batch is there with its value; each counter is at least its
 * acknowledged increments and at most that plus one in-flight increment per writer thread.</li>
 * <li>GROUP: everything acknowledged with a change number the child saw committed (a {@code D} line) is
 * there; counters lie between their committed acknowledged increments and all acknowledged increments
 * plus the in-flight ones. This is the commit-window bound measured by commits rather than by clocks, so
 * a loaded machine cannot make it flaky.</li>
 * <li>Both: every batch is all there or not there at all.</li>
 * </ul>
 */
class CrashTest {

    private static final int KILLS_PER_MODE = 11;
    private static final long GROUP_COMMIT_MILLIS = 20;

    private Path dir;

    @BeforeEach
    void createDir() throws Exception {
        dir = Files.createTempDirectory("mapdb-crash");
    }

    @AfterEach
    void deleteDir() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    @DisplayName("after kill -9 the file reopens with every acknowledged write of SYNC and every committed one of GROUP")
    void survivesRepeatedKills() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path file = dir.resolve("crash.db");
        int totalAcked = 0;
        for (int kill = 0; kill < 2 * KILLS_PER_MODE; kill++) {
            String mode = kill % 2 == 0 ? "sync" : "group";
            String run = "r" + kill;
            List<String> lines;
            try (ChildJvm child = ChildJvm.start(CrashWriter.class, file.toString(), mode, run,
                    Long.toString(GROUP_COMMIT_MILLIS))) {
                child.awaitLine("READY", 60_000);
                Thread.sleep(100 + random.nextInt(500));
                int status = child.killHard();
                assertEquals(137, status, "destroyForcibly must be SIGKILL (exit status 128 + 9); stderr: "
                        + child.stderr());
                lines = child.lines();
            }
            totalAcked += check(file, mode, run, lines, "seed " + seed + ", kill " + kill + " (" + mode + ")");
        }
        assertTrue(totalAcked > 2 * KILLS_PER_MODE, "the children acknowledged too little to prove anything: "
                + totalAcked);
        System.out.println("crash test: " + 2 * KILLS_PER_MODE + " kills, " + totalAcked
                + " acknowledged operations checked, seed " + seed);
    }

    /** Checks the reopened file against the child's report; returns how many acknowledged ops it checked. */
    private static int check(Path file, String mode, String run, List<String> lines, String context) {
        boolean sync = mode.equals("sync");
        long durable = 0;
        for (String line : lines) {
            if (line.startsWith("D ")) {
                durable = Math.max(durable, Long.parseLong(line.substring(2)));
            }
        }
        Map<String, Long> mustHaveIncrements = new HashMap<>();
        Map<String, Long> ackedIncrements = new HashMap<>();
        List<String> mustHaveKeys = new ArrayList<>();
        List<String> mustHaveBatches = new ArrayList<>();
        int acked = 0;
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (parts.length != 3) {
                continue;
            }
            boolean mustBeThere = sync || Long.parseLong(parts[2]) <= durable;
            acked++;
            switch (parts[0]) {
                case "S" -> {
                    if (mustBeThere) {
                        mustHaveKeys.add(parts[1]);
                    }
                }
                case "B" -> {
                    if (mustBeThere) {
                        mustHaveBatches.add(parts[1]);
                    }
                }
                case "I" -> {
                    ackedIncrements.merge(parts[1], 1L, Long::sum);
                    if (mustBeThere) {
                        mustHaveIncrements.merge(parts[1], 1L, Long::sum);
                    }
                }
                default -> throw new AssertionError(context + ": unexpected line " + line);
            }
        }
        try (StateStore store = StateStores.open("mapdb:" + file)) {
            for (String key : mustHaveKeys) {
                String[] parts = key.split("-");
                int thread = Integer.parseInt(parts[1].substring(1));
                int i = Integer.parseInt(parts[2].substring(1));
                Optional<Object> value = store.fetch(key);
                assertTrue(value.isPresent(), context + ": acknowledged key " + key + " is missing");
                assertTrue(Values.equal(CrashWriter.valueFor(run, thread, i), value.get()),
                        context + ": key " + key + " holds " + value.get());
            }
            for (String batch : mustHaveBatches) {
                assertTrue(store.fetch(batch + "-0").isPresent(), context + ": acknowledged batch " + batch
                        + " is missing");
            }
            Map<String, Integer> batchSizes = new TreeMap<>();
            for (String key : store.keys(run + "-b")) {
                batchSizes.merge(key.substring(0, key.lastIndexOf('-')), 1, Integer::sum);
            }
            batchSizes.forEach((batch, size) -> assertEquals(CrashWriter.BATCH_SIZE, size,
                    context + ": batch " + batch + " is half there"));
            for (int c = 0; c < CrashWriter.COUNTERS; c++) {
                String counter = run + "-c" + c;
                long value = store.fetch(counter, Long.class).orElse(0L);
                long lowest = mustHaveIncrements.getOrDefault(counter, 0L);
                long highest = ackedIncrements.getOrDefault(counter, 0L) + CrashWriter.THREADS;
                assertTrue(value >= lowest && value <= highest, context + ": counter " + counter + " is "
                        + value + ", expected " + lowest + " to " + highest + " (committed acknowledged"
                        + " increments to acknowledged plus one in flight per writer)");
            }
        }
        return acked;
    }
}
