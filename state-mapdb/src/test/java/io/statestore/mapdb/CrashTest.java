package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.value.Values;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * <li>NONE with a thread calling {@code flush()} every 30 ms: as GROUP, with the flushes as the commits.</li>
 * <li>All: every batch is all there or not there at all.</li>
 * </ul>
 *
 * <p>The commit-window bound in time: under GROUP and NONE, what a kill can lose is what was acknowledged
 * since the last completed commit, so the test also checks that the last commit the child reported
 * completed at most the window plus {@link #COMMIT_SLACK_MILLIS} before the kill (the slack covers a commit
 * in progress and a busy machine's scheduling; a committer that stalls or never runs exceeds it, since
 * those kills come at least {@link #MIN_WINDOWED_KILL_DELAY_MILLIS} after the child started writing).
 *
 * <p>Kills alternate between a memory-mapped file and a {@code RandomAccessFile}. No kill may leave a file
 * that does not open: plain MapDB 3.1 does that about once in 10 to 40 kills on a {@code RandomAccessFile}
 * (a kill while its commit copies into the file), which the store's redo journal exists to prevent;
 * {@link CommitCopyCrashTest} kills inside that copy on purpose.
 */
class CrashTest {

    private static final int KILLS_PER_MODE = Integer.getInteger("crash.killsPerMode", 8);
    private static final long GROUP_COMMIT_MILLIS = 20;
    private static final long COMMIT_SLACK_MILLIS = 500;
    private static final long MIN_WINDOWED_KILL_DELAY_MILLIS = 600;
    private static final long[] CHECKPOINT_BYTES = {16 << 10, 256 << 10, 8 << 20};

    private static final String[] MODES = System.getProperty("crash.modes", "sync,group,none").split(",");

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
    @DisplayName("after kill -9 the file reopens with every acknowledged write of SYNC and every committed one of GROUP and NONE")
    void survivesRepeatedKills() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path file = dir.resolve("crash.db");
        int totalAcked = 0;
        long longestLossWindow = 0;
        for (int kill = 0; kill < MODES.length * KILLS_PER_MODE; kill++) {
            String mode = MODES[kill % MODES.length];
            boolean mmap = kill / MODES.length % 2 == 0;
            String run = "r" + kill;
            String context = "seed " + seed + ", kill " + kill + " (" + mode + (mmap ? ", mmap" : "") + ")";
            List<String> lines;
            long killMillis;
            // Small logs make checkpoints (MapDB commits into the file) frequent, so that kills land in them too.
            long checkpointBytes = CHECKPOINT_BYTES[random.nextInt(CHECKPOINT_BYTES.length)];
            context += ", checkpointBytes=" + checkpointBytes;
            try (ChildJvm child = ChildJvm.start(CrashWriter.class, file.toString(), mode, run,
                    Long.toString(GROUP_COMMIT_MILLIS), Boolean.toString(mmap), Long.toString(checkpointBytes))) {
                child.awaitLine("READY", 60_000);
                Thread.sleep((mode.equals("sync") ? 100 : MIN_WINDOWED_KILL_DELAY_MILLIS) + random.nextInt(500));
                killMillis = System.currentTimeMillis();
                int status = child.killHard();
                lines = child.lines();
                assertEquals(137, status, context + ": the child must die by SIGKILL (exit status 128 + 9), not"
                        + " fail; output: " + lines + "; stderr: " + child.stderr());
            }
            Path asLeft = snapshot(file);
            try {
                totalAcked += check(file, mode, run, lines, context);
                if (!mode.equals("sync")) {
                    longestLossWindow = Math.max(longestLossWindow, checkLossWindow(mode, lines, killMillis,
                            context));
                }
            } catch (RuntimeException | AssertionError e) {
                Path evidence = keepEvidence(asLeft, lines, kill);
                throw new AssertionError(context + ": " + e.getMessage() + " (file and report kept in "
                        + evidence + ")", e);
            }
        }
        assertTrue(totalAcked > MODES.length * KILLS_PER_MODE,
                "the children acknowledged too little to prove anything: " + totalAcked);
        System.out.println("crash test: " + MODES.length * KILLS_PER_MODE + " kills, every file reopened, "
                + totalAcked + " acknowledged operations checked, longest group/none loss window "
                + longestLossWindow + " ms, seed " + seed);
    }

    /**
     * The last commit the child reported: how many changes it covered and when it completed. Before any
     * commit, no changes, and the moment the child was ready to write.
     */
    private record LastCommit(long changes, long millis) {

        static LastCommit in(List<String> lines) {
            long changes = 0;
            long millis = 0;
            for (String line : lines) {
                String[] parts = line.split(" ");
                if (parts[0].equals("D") && parts.length == 3) {
                    changes = Math.max(changes, Long.parseLong(parts[1]));
                    millis = Math.max(millis, Long.parseLong(parts[2]));
                } else if (parts[0].equals("READY") && parts.length == 2) {
                    millis = Math.max(millis, Long.parseLong(parts[1]));
                }
            }
            return new LastCommit(changes, millis);
        }
    }

    /**
     * Checks that the child's last completed commit (or, if it made none, its start) came at most the
     * commit window plus {@link #COMMIT_SLACK_MILLIS} before the kill, and returns the time between them:
     * the span of acknowledged writes the kill could lose.
     */
    private static long checkLossWindow(String mode, List<String> lines, long killMillis, String context) {
        long window = mode.equals("group") ? GROUP_COMMIT_MILLIS : CrashWriter.FLUSH_MILLIS;
        long lossWindow = killMillis - LastCommit.in(lines).millis();
        assertTrue(lossWindow <= window + COMMIT_SLACK_MILLIS, context + ": the last commit completed "
                + lossWindow + " ms before the kill, more than the " + window + " ms window plus "
                + COMMIT_SLACK_MILLIS + " ms of slack: writes acknowledged in that span were not committed");
        return lossWindow;
    }

    /** Copies the files as the killed child left them, before reopening changes them. */
    private Path snapshot(Path file) throws java.io.IOException {
        Path snapshot = dir.resolve("as-left");
        if (Files.exists(snapshot)) {
            try (Stream<Path> files = Files.list(snapshot)) {
                for (Path path : (Iterable<Path>) files::iterator) {
                    Files.delete(path);
                }
            }
        } else {
            Files.createDirectory(snapshot);
        }
        try (Stream<Path> files = Files.list(file.getParent())) {
            for (Path path : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(path)) {
                    Files.copy(path, snapshot.resolve(path.getFileName()));
                }
            }
        }
        return snapshot;
    }

    /** Keeps the files as the child left them and its report, for a failure to be replayed. */
    private static Path keepEvidence(Path asLeft, List<String> lines, int kill) throws java.io.IOException {
        Path evidence = Files.createTempDirectory("mapdb-crash-evidence");
        try (Stream<Path> files = Files.list(asLeft)) {
            for (Path path : (Iterable<Path>) files::iterator) {
                Files.copy(path, evidence.resolve(path.getFileName()));
            }
        }
        Files.write(evidence.resolve("report-" + kill + ".txt"), lines);
        return evidence;
    }

    /** Checks the reopened file against the child's report; returns how many acknowledged ops it checked. */
    private static int check(Path file, String mode, String run, List<String> lines, String context) {
        boolean sync = mode.equals("sync");
        long durable = LastCommit.in(lines).changes();
        Map<String, Long> ackedIncrements = new HashMap<>();
        Map<String, Long> highestReturned = new HashMap<>();
        Map<String, Long> highestDurableReturned = new HashMap<>();
        List<String> mustHaveKeys = new ArrayList<>();
        List<String> mustHaveBatches = new ArrayList<>();
        int acked = 0;
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (parts[0].equals("READY") || parts[0].equals("D")) {
                continue;
            }
            if (parts.length < 3 || parts[0].equals("I") && parts.length != 4) {
                throw new AssertionError(context + ": unexpected line " + line);
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
                    long returned = Long.parseLong(parts[3]);
                    ackedIncrements.merge(parts[1], 1L, Long::sum);
                    highestReturned.merge(parts[1], returned, Math::max);
                    if (mustBeThere) {
                        highestDurableReturned.merge(parts[1], returned, Math::max);
                    }
                }
                default -> throw new AssertionError(context + ": unexpected line " + line);
            }
        }
        int ttlKeys = 0;
        try (StateStore store = StateStores.open("mapdb:" + file)) {
            for (String key : mustHaveKeys) {
                String[] parts = key.split("-");
                int thread = Integer.parseInt(parts[1].substring(1));
                int i = Integer.parseInt(parts[2].substring(1));
                Optional<Object> value = store.fetch(key);
                assertTrue(value.isPresent(), context + ": acknowledged key " + key + " is missing");
                assertTrue(Values.equal(CrashWriter.valueFor(run, thread, i), value.get()),
                        context + ": key " + key + " holds " + value.get());
                Optional<Duration> left = store.timeToLive(key);
                if (CrashWriter.ttlFor(i) == null) {
                    assertEquals(Optional.empty(), left, context + ": key " + key + " gained an expiry");
                } else {
                    assertTrue(left.isPresent() && left.get().compareTo(CrashWriter.TTL) <= 0
                            && left.get().compareTo(CrashWriter.TTL.minusMinutes(10)) > 0,
                            context + ": key " + key + " was written to expire in an hour; it has " + left + " left");
                    ttlKeys++;
                }
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
                long ackedCount = ackedIncrements.getOrDefault(counter, 0L);
                // An increment in flight in one thread may be followed by acknowledged ones in another.
                assertTrue(highestReturned.getOrDefault(counter, 0L) - ackedCount <= CrashWriter.THREADS,
                        context + ": the child's report of " + counter + " misses lines");
                long lowest = highestDurableReturned.getOrDefault(counter, 0L);
                long highest = ackedCount + CrashWriter.THREADS;
                assertTrue(value >= lowest && value <= highest, context + ": counter " + counter + " is "
                        + value + ", expected " + lowest + " to " + highest + " (the last committed"
                        + " acknowledged value to the acknowledged increments plus one in flight per writer)");
            }
        }
        assertTrue(mustHaveKeys.size() < 4 || ttlKeys > 0, context + ": no acknowledged key with an expiry was checked");
        return acked;
    }
}
