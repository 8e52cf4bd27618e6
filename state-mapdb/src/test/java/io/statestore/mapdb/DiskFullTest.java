package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import io.statestore.spi.StoreOptions;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fills a real, small file system (a tmpfs this test mounts, which needs root; elsewhere it is skipped,
 * saying why) with a store's writes, round after round, and checks what the store promises when the disk is
 * full: every failed write says whether it was applied ({@link WriteNotAppliedException}: no;
 * {@link OutcomeUnknownException}: maybe) and names the cause; every acknowledged value reads back, now and
 * after a reopen; writes succeed again once space is freed, without a restart.
 *
 * <p>{@link WriteFaultTest} makes the same faults at chosen bytes without root.
 */
class DiskFullTest {

    private static final long FILESYSTEM_BYTES = 4L << 20;
    /** Each round starts with this much room left: the file system is shrunk to what is used plus this. */
    private static final long ROOM_BYTES = 256L << 10;
    /**
     * How much room each round gives back, by growing the file system, once the store has filled it: enough
     * for the checkpoint the full disk held back (with 20 KB values, MapDB's B-tree nodes of up to 32 values
     * make it a few megabytes).
     */
    private static final long FREED_BYTES = 16L << 20;
    private static final int ROUNDS = 4;

    @TempDir
    Path dir;
    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("small");
        Files.createDirectory(mount);
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + FILESYSTEM_BYTES + ",mode=0700",
                "tmpfs", mount.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        boolean done = process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        assumeTrue(done, "this test mounts a " + (FILESYSTEM_BYTES >> 20) + " MiB tmpfs, which needs root (CI runs"
                + " as root); mount said: " + output.strip());
        mounted = true;
    }

    /** Shrinks or grows the file system to what is used plus {@code room} bytes. */
    private void resize(long room) throws Exception {
        FileStore store = Files.getFileStore(mount);
        long size = store.getTotalSpace() - store.getUsableSpace() + room;
        Process process = new ProcessBuilder("mount", "-o", "remount,size=" + size, mount.toString()).inheritIO()
                .start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, "remount " + mount);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            Process process = new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, "umount " + mount);
        }
    }

    @ParameterizedTest(name = "{0}-byte values, mmap={1}")
    @CsvSource({"20000, false", "20000, true", "3000, false", "300, true"})
    @DisplayName("on a full disk, failed writes say whether they were applied and why, acknowledged values survive, and writes come back once space is freed")
    void fullDisk(int valueBytes, boolean mmap) throws Exception {
        AcknowledgedWrites model = rounds(valueBytes, mmap, TestHooks.NONE, false);
        for (String message : model.messages) {
            assertTrue(message.contains("No space left on device") && message.contains(mount.toString()),
                    "every failure names the cause and the file: " + message);
        }
        System.out.println("disk full (" + valueBytes + "-byte values, mmap=" + mmap + "): " + ROUNDS + " rounds, "
                + model.acknowledged + " writes acknowledged, " + model.notApplied + " refused unapplied, "
                + model.unknown + " of unknown outcome; every acknowledged value intact after each reopen");
    }

    @Test
    @DisplayName("control: with MapDB's write-ahead log in files, as plain MapDB keeps it, a full disk breaks what was acknowledged")
    void writeAheadLogInFilesBreaks() throws Exception {
        TestHooks plainWriteAheadLog = new TestHooks(copied -> { }, WriteFaults.NONE, true, false);
        Throwable broken = null;
        try {
            rounds(20_000, false, plainWriteAheadLog, true);
        } catch (AssertionError | RuntimeException e) {
            broken = e;
        }
        assertTrue(broken != null, "with the write-ahead log in files, every round still kept every acknowledged"
                + " write: the full disk never reached the failure the in-memory log prevents");
        System.out.println("control, write-ahead log in files: " + broken);
    }

    @Test
    @DisplayName("creating a store on a full disk says there is no space, not that the file is damaged")
    void creatingOnAFullDisk() throws Exception {
        resize(64 << 10);
        StateStoreException refused = assertThrows(StateStoreException.class,
                () -> StateStores.open("mapdb:" + mount.resolve("new.db")));
        assertTrue(refused.getMessage().contains("No space left on device")
                && !refused.getMessage().contains("damaged"), refused.getMessage());
    }

    /** Fills the disk, frees space and reopens, round after round; returns what was acknowledged. */
    private AcknowledgedWrites rounds(int valueBytes, boolean mmap, TestHooks hooks, boolean lenient) throws Exception {
        MapDbSettings settings = MapDbSettings.from(StoreOptions.parse("mapdb:" + mount.resolve("data/state.db")
                + "?mmap=" + mmap, Map.of()));
        Random random = new Random(valueBytes * 31L + (mmap ? 1 : 0));
        AcknowledgedWrites model = new AcknowledgedWrites();
        model.lenient = lenient;
        for (int round = 0; round < ROUNDS; round++) {
            try (StateStore store = StoreFile.open(settings, hooks)) {
                resize(ROOM_BYTES);
                int failedBefore = model.notApplied + model.unknown;
                fill(store, model, random, valueBytes, round);
                assertTrue(model.notApplied + model.unknown > failedBefore, "round " + round + ": the disk never filled");
                model.checkAgainst(store, "round " + round + ", disk full");
                resize(FREED_BYTES);
                writesComeBack(store, model, random, valueBytes, round);
                model.checkAgainst(store, "round " + round + ", space freed");
            }
            try (StateStore reopened = StoreFile.open(settings, hooks)) {
                model.checkAgainst(reopened, "round " + round + ", reopened");
                // Room for the next round's new keys: drop about half of the keys.
                for (String key : new ArrayList<>(model.keys())) {
                    if (random.nextBoolean()) {
                        model.remove(reopened, key);
                    }
                }
            }
        }
        return model;
    }

    /** Writes new keys, overwrites and increments until the disk has refused twenty writes in a row. */
    private static void fill(StateStore store, AcknowledgedWrites model, Random random, int valueBytes, int round) {
        int inARow = 0;
        for (int i = 0; inARow < 20 && i < 20_000; i++) {
            List<String> keys = new ArrayList<>(model.keys());
            String key = random.nextInt(4) == 0 && !keys.isEmpty() ? keys.get(random.nextInt(keys.size()))
                    : "r" + round + "-k" + i;
            boolean acknowledged = i % 5 == 4 ? model.increment(store)
                    : model.store(store, key, value(random, valueBytes));
            inARow = acknowledged ? 0 : inARow + 1;
        }
    }

    /**
     * After space was freed, writes succeed again: at once, or once the checkpoints that a full disk made back
     * off try again (within a second); twenty in a row must be acknowledged within 5 s.
     */
    private static void writesComeBack(StateStore store, AcknowledgedWrites model, Random random, int valueBytes,
            int round) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int inARow = 0;
        for (int i = 0; inARow < 20; i++) {
            if (model.store(store, "r" + round + "-after" + i, value(random, valueBytes)) && model.increment(store)) {
                inARow++;
            } else {
                inARow = 0;
                assertTrue(System.nanoTime() < deadline, "round " + round + ": 5 s after space was freed, writes"
                        + " were still refused: " + model.messages.get(model.messages.size() - 1));
                Thread.sleep(20);
            }
        }
    }

    private static String value(Random random, int bytes) {
        StringBuilder value = new StringBuilder(bytes);
        for (int i = 0; i < bytes; i++) {
            value.append((char) ('a' + random.nextInt(26)));
        }
        return value.toString();
    }
}
