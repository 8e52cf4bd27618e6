package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import io.statestore.spi.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Makes the store's own writes fail at a chosen byte of one of its files (the log, the journal, the store
 * file), as a full or failing disk makes them fail, and checks the same promises as {@link DiskFullTest}:
 * each failed write says whether it was applied, and why; what was acknowledged is there, in the store as
 * it runs, in a copy of its files taken while the fault lasted (what a crash at that moment would leave), and
 * after a reopen; writes succeed again once the fault is gone.
 *
 * <p>The control ({@link #withoutFinishingFirstATornJournalDamagesTheFile()}) shows that one of the
 * mechanisms is needed: a checkpoint whose copy into the file failed must be finished before the journal is
 * written again, or a torn journal leaves a file that no longer opens.
 */
class WriteFaultTest {

    @TempDir
    Path dir;

    /** Fails writes to one file after a number of bytes, until disarmed; part of the write that crosses the
     * limit still reaches the file, as with a real full disk. */
    static final class Faults implements WriteFaults {
        private String suffix;
        private long remaining;
        private String message;
        private int injected;

        synchronized void arm(String fileSuffix, long afterBytes, String error) {
            suffix = fileSuffix;
            remaining = afterBytes;
            message = error;
        }

        synchronized void disarm() {
            suffix = null;
        }

        synchronized int injected() {
            return injected;
        }

        @Override
        public synchronized int writable(Path file, long offset, int length) {
            if (suffix == null || !file.getFileName().toString().endsWith(suffix)) {
                return length;
            }
            int writable = (int) Math.min(length, remaining);
            remaining -= writable;
            if (writable < length) {
                injected++;
            }
            return writable;
        }

        @Override
        public synchronized IOException failure(Path file) {
            return new IOException(message);
        }
    }

    static Stream<Arguments> faults() {
        List<Arguments> faults = new ArrayList<>();
        for (String file : List.of(".db.log", ".db.journal", ".db")) {
            for (long afterBytes : new long[] {0, 1, 30, 700, 9000, 20_000}) {
                String error = afterBytes % 2 == 0 ? "No space left on device" : "Input/output error";
                faults.add(Arguments.of(file, afterBytes, error));
            }
        }
        return faults.stream();
    }

    @ParameterizedTest(name = "{0} fails after {1} bytes: {2}")
    @MethodSource("faults")
    @DisplayName("a write failing at any byte of the log, the journal or the store file loses nothing acknowledged, and writes come back")
    void faultAtAByte(String file, long afterBytes, String error) throws Exception {
        Faults faults = new Faults();
        Path store = dir.resolve("state.db");
        Random random = new Random(file.hashCode() * 31L + afterBytes);
        AcknowledgedWrites model = new AcknowledgedWrites();
        AcknowledgedWrites atCrash;
        Path crashImage;
        try (MapDbStateStore opened = open(store, faults, true)) {
            for (int i = 0; i < 50; i++) {
                assertTrue(model.store(opened, "base-" + i, value(random, i)));
            }
            opened.checkpoint();
            faults.arm(file, afterBytes, error);
            workload(opened, model, random);
            crashImage = copyFiles(store, "crash-image");
            atCrash = model.copy();
            model.checkAgainst(opened, "while the fault lasts");
            faults.disarm();
            writesComeBack(opened, model, random);
            opened.checkpoint();
            model.checkAgainst(opened, "after the fault");
        }
        assertTrue(faults.injected() > 0, "the fault never fired");
        for (String message : model.messages) {
            assertTrue(message.contains(error) && message.contains(dir.toString()),
                    "a failure names the cause and the file: " + message);
        }
        try (StateStore image = StateStores.open("mapdb:" + crashImage.resolve("state.db"))) {
            atCrash.checkAgainst(image, "the files as a crash during the fault would leave them");
        }
        try (StateStore reopened = StateStores.open("mapdb:" + store)) {
            model.checkAgainst(reopened, "reopened");
        }
        System.out.println("write fault in " + file + " after " + afterBytes + " bytes (" + error + "): "
                + model.acknowledged + " acknowledged, " + model.notApplied + " refused unapplied, " + model.unknown
                + " of unknown outcome, " + faults.injected() + " faults injected");
    }

    @Test
    @DisplayName("control: without finishing a half-copied checkpoint first, a torn journal leaves a file that does not open")
    void withoutFinishingFirstATornJournalDamagesTheFile() throws Exception {
        Path guarded = tornJournalOverHalfCopiedCheckpoint(true);
        try (StateStore store = StateStores.open("mapdb:" + guarded)) {
            for (int i = 0; i < 50; i++) {
                assertTrue(store.fetch("base-" + i).isPresent(), "base-" + i);
            }
        }
        Path unguarded = tornJournalOverHalfCopiedCheckpoint(false);
        StateStoreException damaged = assertThrows(StateStoreException.class,
                () -> StateStores.open("mapdb:" + unguarded).close(),
                "without the guard, the file should be damaged");
        assertTrue(damaged.getMessage().contains("cannot be read"), damaged.getMessage());
    }

    /**
     * A checkpoint's copy into the file fails after 100 bytes (its journal is whole); then, the file still
     * failing, the next checkpoint's journal is torn after 30 bytes. Returns a copy of the files as a crash at
     * that moment would leave them.
     */
    private Path tornJournalOverHalfCopiedCheckpoint(boolean finishJournaledFirst) throws Exception {
        Faults faults = new Faults();
        Path store = dir.resolve("guard-" + finishJournaledFirst).resolve("state.db");
        Random random = new Random(7);
        try (MapDbStateStore opened = open(store, faults, finishJournaledFirst)) {
            for (int i = 0; i < 50; i++) {
                opened.store("base-" + i, value(random, i));
            }
            opened.checkpoint();
            for (int i = 0; i < 50; i++) {
                opened.store("more-" + i, value(random, i));
            }
            faults.arm(".db", 100, "Input/output error");
            assertThrows(StateStoreException.class, opened::checkpoint);
            opened.store("after", "first failure");
            // The file now takes writes again, but the journal fails: a torn journal over the whole one.
            faults.arm(".db.journal", 30, "Input/output error");
            assertThrows(StateStoreException.class, opened::checkpoint);
            Path image = copyFiles(store, "image");
            faults.disarm();
            return image.resolve("state.db");
        }
    }

    private static MapDbStateStore open(Path file, Faults faults, boolean finishJournaledFirst) {
        MapDbSettings settings = MapDbSettings.from(StoreOptions.parse("mapdb:" + file, Map.of()));
        return StoreFile.open(settings, new TestHooks(copied -> { }, faults, finishJournaledFirst, true));
    }

    /** Stores, overwrites, removes, increments and batches, with checkpoints among them; records outcomes. */
    private static void workload(MapDbStateStore store, AcknowledgedWrites model, Random random) {
        for (int i = 0; i < 120; i++) {
            List<String> keys = new ArrayList<>(model.keys());
            switch (i % 6) {
                case 0, 1 -> model.store(store, "k" + i, value(random, i));
                case 2 -> model.store(store, keys.get(random.nextInt(keys.size())), value(random, i));
                case 3 -> model.increment(store);
                case 4 -> model.remove(store, keys.get(random.nextInt(keys.size())));
                default -> {
                    Map<String, String> batch = new LinkedHashMap<>();
                    for (int b = 0; b < 3; b++) {
                        batch.put("batch" + i + "-" + b, value(random, b));
                    }
                    model.storeAll(store, batch);
                }
            }
            if (i % 20 == 19) {
                try {
                    store.checkpoint();
                } catch (StateStoreException checkpointFailed) {
                    // The log keeps every write; what matters is checked below.
                }
            }
        }
    }

    /**
     * Once the fault is gone, writes succeed again (after the failed checkpoints' back-off, under a second);
     * twenty in a row must be acknowledged within 5 s.
     */
    private static void writesComeBack(MapDbStateStore store, AcknowledgedWrites model, Random random)
            throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int inARow = 0;
        for (int i = 0; inARow < 20; i++) {
            if (model.store(store, "after-" + i, value(random, i)) && model.increment(store)) {
                inARow++;
            } else {
                inARow = 0;
                assertTrue(System.nanoTime() < deadline, "5 s after the fault was gone, writes were still refused: "
                        + model.messages.get(model.messages.size() - 1));
                Thread.sleep(20);
            }
        }
    }

    private static String value(Random random, int i) {
        return "value " + i + " " + "x".repeat(random.nextInt(300));
    }

    /** Copies the store's files while it is open and idle: what a kill at this moment would leave. */
    private static Path copyFiles(Path store, String name) throws IOException {
        Path copy = Files.createDirectories(store.resolveSibling(name));
        try (Stream<Path> files = Files.list(store.getParent())) {
            for (Path path : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(path) && path.getFileName().toString().startsWith(store.getFileName().toString())) {
                    Files.copy(path, copy.resolve(path.getFileName()));
                }
            }
        }
        return copy;
    }
}
