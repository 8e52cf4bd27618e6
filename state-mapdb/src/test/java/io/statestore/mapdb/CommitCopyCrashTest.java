package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.value.Values;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * Kills the process inside a commit, while it copies the commit into the store file: the moment a crash
 * can damage a plain MapDB 3.1 file. The child halts after the first, second, ..., last write of the copy
 * of one large batch; the file must then open with the base state and the whole batch, because the
 * commit's journal was complete and the open replays it.
 *
 * <p>So that this test cannot pass by the kill landing somewhere harmless, each file is also copied, without
 * its journal, and opened with plain MapDB: at least one of those copies must be missing part of the batch
 * or fail to open, which is what the journal repairs.
 */
class CommitCopyCrashTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "mmap={0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("a kill after any write of a commit's copy into the file leaves a file that opens with the whole commit")
    void killInsideTheCopy(boolean mmap) throws Exception {
        int writes = copiedWrites(dir.resolve("count.db"), mmap);
        assertTrue(writes >= 10, "the batch commit copies only " + writes + " writes; the test needs a longer copy");
        TreeSet<Integer> haltPoints = new TreeSet<>(List.of(1, 2, writes / 3, writes / 2, 2 * writes / 3,
                writes - 1, writes));
        List<String> plainMapDbOutcomes = new ArrayList<>();
        for (int haltAfter : haltPoints) {
            Path file = dir.resolve("halt-" + haltAfter + (mmap ? "-mmap" : "") + ".db");
            String context = "halted after copying " + haltAfter + " of " + writes + " writes (mmap=" + mmap + ")";
            try (ChildJvm child = ChildJvm.start(CommitCopyWriter.class, file.toString(), Boolean.toString(mmap),
                    Integer.toString(haltAfter))) {
                assertEquals(CommitCopyWriter.HALT_STATUS, child.awaitExit(60_000), context + ": the child did"
                        + " not halt inside the copy; output: " + child.lines() + "; stderr: " + child.stderr());
            }
            assertTrue(RedoJournal.readCommitted(RedoJournal.pathFor(file)).isPresent(),
                    context + ": the journal should hold the interrupted commit");
            plainMapDbOutcomes.add(plainMapDbOutcome(file, context));
            try (StateStore store = StateStores.open("mapdb:" + file)) {
                for (int i = 0; i < CommitCopyWriter.BASE_KEYS; i++) {
                    Optional<Object> value = store.fetch("base-" + i);
                    assertTrue(value.isPresent() && Values.equal(CommitCopyWriter.baseValue(i), value.get()),
                            context + ": base-" + i + " is " + value);
                }
                assertEquals(Optional.of((long) CommitCopyWriter.COUNTER_INCREMENTS), store.fetch("counter"),
                        context);
                for (int i = 0; i < CommitCopyWriter.BATCH_KEYS; i++) {
                    Optional<Object> value = store.fetch("batch-" + i);
                    assertTrue(value.isPresent() && Values.equal(CommitCopyWriter.batchValue(i), value.get()),
                            context + ": batch-" + i + " is " + value);
                }
                assertEquals(CommitCopyWriter.BASE_KEYS + CommitCopyWriter.BATCH_KEYS + 1, store.size(), context);
            }
            assertTrue(RedoJournal.readCommitted(RedoJournal.pathFor(file)).isEmpty(),
                    context + ": the journal should be marked applied after the open replayed it");
        }
        System.out.println("commit copy crash test (mmap=" + mmap + "): " + writes + " writes per copy; without"
                + " the journal plain MapDB found: " + plainMapDbOutcomes);
        assertTrue(plainMapDbOutcomes.stream().anyMatch(outcome -> !outcome.equals("whole")),
                "plain MapDB read the whole batch after every kill, so the kills did not land inside the copy: "
                + plainMapDbOutcomes);
    }

    /** Runs the child without halting and returns how many writes the batch commit copies. */
    private static int copiedWrites(Path file, boolean mmap) throws Exception {
        try (ChildJvm child = ChildJvm.start(CommitCopyWriter.class, file.toString(), Boolean.toString(mmap), "0")) {
            assertEquals(0, child.awaitExit(60_000), "output: " + child.lines() + "; stderr: " + child.stderr());
            return Integer.parseInt(child.awaitLine("COPIED ", 1_000).substring("COPIED ".length()));
        }
    }

    /**
     * What plain MapDB, which has no journal to replay, finds in a copy of the file as the kill left it:
     * "whole", "N of M batch keys", or the error it fails with.
     */
    private String plainMapDbOutcome(Path file, String context) throws Exception {
        Path copy = dir.resolve("plain-" + file.getFileName());
        Files.copy(file, copy);
        try (DB db = DBMaker.fileDB(copy.toFile()).transactionEnable().make()) {
            BTreeMap<String, byte[]> map = db.treeMap(MapDbStateStore.DEFAULT_MAP_NAME, Serializer.STRING,
                    Serializer.BYTE_ARRAY).open();
            int present = 0;
            for (int i = 0; i < CommitCopyWriter.BATCH_KEYS; i++) {
                if (map.get("batch-" + i) != null) {
                    present++;
                }
            }
            return present == CommitCopyWriter.BATCH_KEYS ? "whole" : present + " of " + CommitCopyWriter.BATCH_KEYS;
        } catch (RuntimeException | Error e) {
            return e.getClass().getSimpleName();
        } finally {
            Files.deleteIfExists(copy);
        }
    }
}
