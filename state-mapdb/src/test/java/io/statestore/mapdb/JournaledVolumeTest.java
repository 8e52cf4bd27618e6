package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.mapdb.RedoJournal.Write;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.volume.MappedFileVol;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;

/** The redo journal's file format and the journaled volume's writes, on real files. */
class JournaledVolumeTest {

    @TempDir
    Path dir;

    private static final List<Write> WRITES = List.of(
            new Write(0, 8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
            new Write(4096, 100, null),
            new Write(70_000, 3, new byte[] {9, 8, 7}));

    @Test
    @DisplayName("a journal reads back its commit, and reads as empty once marked applied")
    void readsBackItsCommit() throws Exception {
        Path path = dir.resolve("j.journal");
        try (RedoJournal journal = journal(path)) {
            journal.write(WRITES);
            assertWritesEqual(WRITES, RedoJournal.readCommitted(path).orElseThrow());
            journal.markApplied();
            assertEquals(Optional.empty(), RedoJournal.readCommitted(path));
            journal.write(WRITES.subList(2, 3));
            assertWritesEqual(WRITES.subList(2, 3), RedoJournal.readCommitted(path).orElseThrow());
        }
    }

    @Test
    @DisplayName("a journal cut short at any byte, or with any byte changed, is not replayed")
    void tornOrDamagedJournalIsIgnored() throws Exception {
        Path path = dir.resolve("j.journal");
        try (RedoJournal journal = journal(path)) {
            journal.write(WRITES);
        }
        byte[] whole = Files.readAllBytes(path);
        Path torn = dir.resolve("torn.journal");
        for (int length = 0; length < whole.length; length++) {
            Files.write(torn, Arrays.copyOf(whole, length));
            assertEquals(Optional.empty(), RedoJournal.readCommitted(torn), "cut at " + length);
        }
        for (int i = 0; i < whole.length; i++) {
            byte[] changed = whole.clone();
            changed[i] ^= 0x40;
            Files.write(torn, changed);
            assertEquals(Optional.empty(), RedoJournal.readCommitted(torn), "byte " + i + " changed");
        }
        assertEquals(Optional.empty(), RedoJournal.readCommitted(dir.resolve("missing.journal")));
    }

    @Test
    @DisplayName("a shorter commit over a longer one reads as itself, and its torn form over the longer one as nothing")
    void laterCommitOverEarlierOne() throws Exception {
        Path path = dir.resolve("j.journal");
        try (RedoJournal journal = journal(path)) {
            journal.write(List.of(new Write(0, 5000, new byte[5000])));
            byte[] longer = Files.readAllBytes(path);
            journal.write(WRITES.subList(0, 1));
            assertWritesEqual(WRITES.subList(0, 1), RedoJournal.readCommitted(path).orElseThrow());
            byte[] shorter = Files.readAllBytes(path);
            byte[] tornOverLonger = longer.clone();
            System.arraycopy(shorter, 0, tornOverLonger, 0, 20); // the new header, the old body
            Files.write(path, tornOverLonger);
            assertEquals(Optional.empty(), RedoJournal.readCommitted(path));
        }
    }

    @ParameterizedTest(name = "mmap={0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("held-back writes read back at once, and after sync the file holds exactly what a plain volume holds")
    void writesWhatAPlainVolumeWrites(boolean mmap) throws Exception {
        VolumeFactory files = mmap ? MappedFileVol.FACTORY : RandomAccessFileVol.FACTORY;
        Path journalPath = dir.resolve("journaled.db.journal");
        Volume plain = files.makeVolume(dir.resolve("plain.db").toString(), false);
        Path journaledFile = dir.resolve("journaled.db");
        Volume underneath = files.makeVolume(journaledFile.toString(), false);
        Volume journaled = new JournaledVolume(underneath, new DataFile(journaledFile, true, WriteFaults.NONE),
                journal(journalPath), mmap ? underneath.sliceSize() : 1, TestHooks.NONE);
        Random random = new Random(42);
        long size = 3L << 20; // past a memory-mapped slice boundary (1 MiB)
        plain.ensureAvailable(size);
        journaled.ensureAvailable(size);
        for (int round = 0; round < 20; round++) {
            for (int op = 0; op < 200; op++) {
                long offset = random.nextInt((int) size - 5000);
                for (Volume volume : List.of(plain, journaled)) {
                    Random same = new Random(round * 1000L + op);
                    switch (same.nextInt(8)) {
                        case 0 -> volume.putLong(offset, same.nextLong());
                        case 1 -> volume.putInt(offset, same.nextInt());
                        case 2 -> volume.putByte(offset, (byte) same.nextInt());
                        case 3 -> volume.putDataOverlap(offset, bytes(same, 1000 + same.nextInt(3000)), 1, 999);
                        case 4 -> volume.putData(offset, ByteBuffer.wrap(bytes(same, 64)));
                        case 5 -> volume.clearOverlap(offset, offset + same.nextInt(4000));
                        case 6 -> volume.putSixLong(offset, same.nextLong() >>> 16);
                        default -> volume.putPackedLong(offset, same.nextLong() >>> 1);
                    }
                }
                long at = random.nextInt((int) size - 5000);
                assertEquals(plain.getLong(at), journaled.getLong(at), "round " + round + " op " + op);
                assertArrayEquals(read(plain, offset, 64), read(journaled, offset, 64), "round " + round);
            }
            plain.sync();
            journaled.sync();
            assertEquals(Optional.empty(), RedoJournal.readCommitted(journalPath), "applied after sync");
        }
        assertArrayEquals(read(plain, 0, (int) size), read(journaled, 0, (int) size));
        plain.close();
        journaled.close();
    }

    @ParameterizedTest(name = "mmap={0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("opening replays a complete journal into the file before MapDB reads it")
    void openReplaysACompleteJournal(boolean mmap) throws Exception {
        Path file = dir.resolve("replay.db");
        Files.write(file, new byte[8192]);
        Files.write(file, new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, java.nio.file.StandardOpenOption.WRITE);
        try (RedoJournal journal = journal(RedoJournal.pathFor(file))) {
            journal.write(WRITES);
        }
        JournaledFiles files = new JournaledFiles(file, mmap, false, OWNER_ONLY, TestHooks.NONE);
        assertTrue(files.exists(files.storeFileName()));
        Volume volume = files.makeVolume(files.storeFileName(), false, 0, 20, 0, false);
        try {
            assertArrayEquals(WRITES.get(0).data(), read(volume, 0, 8));
            assertArrayEquals(new byte[100], read(volume, 4096, 100));
            assertArrayEquals(WRITES.get(2).data(), read(volume, 70_000, 3));
            assertEquals(Optional.empty(), RedoJournal.readCommitted(RedoJournal.pathFor(file)));
        } finally {
            volume.close();
        }
    }

    private static final FileModes OWNER_ONLY = FileModes.parse(FileModes.DEFAULT).orElseThrow();

    static RedoJournal journal(Path path) throws java.io.IOException {
        return new RedoJournal(path, OWNER_ONLY, false, WriteFaults.NONE);
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] read(Volume volume, long offset, int length) throws Exception {
        byte[] bytes = new byte[length];
        volume.getDataInputOverlap(offset, length).readFully(bytes);
        return bytes;
    }

    private static void assertWritesEqual(List<Write> expected, List<Write> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).offset(), actual.get(i).offset());
            assertEquals(expected.get(i).length(), actual.get(i).length());
            assertArrayEquals(expected.get(i).data(), actual.get(i).data());
        }
    }
}
