package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statestore.StateStore;
import io.statestore.StateStoreClosedException;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/** What the MapDB backend adds to the contract: the file, its options, durability, wrapping. */
class MapDbStateStoreTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("every bad option is reported at once, naming the option and what would be right")
    void reportsEveryBadOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateStores.open(
                "mapdb:" + dir.resolve("x.db") + "?durability=fast&mmap=maybe&lockWaitMillis=-1&map=&colour=red"));
        String message = e.getMessage();
        for (String expected : List.of("durability=fast is not one of every-write, interval, on-flush (or their earlier names sync, group, none)",
                "mmap=maybe is not a boolean", "lockWaitMillis=-1 is out of range", "map is empty",
                "unknown option \"colour\"")) {
            assertTrue(message.contains(expected), "\"" + expected + "\" in: " + message);
        }
        assertFalse(Files.exists(dir.resolve("x.db")), "nothing is created for bad options");
    }

    @Test
    @DisplayName("a commit window without group durability, and a URI without a file, are refused")
    void refusesContradictionsAndMissingFile() {
        IllegalArgumentException window = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("mapdb:" + dir.resolve("x.db") + "?commitMillis=50"));
        assertTrue(window.getMessage().contains("commitMillis applies only to durability=interval"), window.getMessage());
        IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("mapdb:?durability=sync"));
        assertTrue(noFile.getMessage().contains("no file given"), noFile.getMessage());
    }

    @Test
    @DisplayName("create=false refuses a missing file; missing parent directories are created otherwise")
    void createsParentsUnlessTold() {
        Path file = dir.resolve("a/b/c/state.db");
        StateStoreException e = assertThrows(StateStoreException.class,
                () -> StateStores.open("mapdb:" + file + "?create=false"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        try (StateStore store = StateStores.open("mapdb:" + file)) {
            store.store("k", 1L);
        }
        assertTrue(Files.exists(file));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"durability=sync", "durability=group&commitMillis=60000", "durability=none",
        "durability=sync&mmap=true&fsync=false"})
    @DisplayName("what was written is there after close and reopen, in every mode")
    void survivesReopen(String options) {
        String uri = "mapdb:" + dir.resolve("reopen.db") + "?" + options;
        try (StateStore store = StateStores.open(uri)) {
            store.store("map", Map.of("a", List.of(1L, 2.5, "x"), "b", new byte[] {1, 2}));
            store.storeAll(Map.of("x", 1L, "y", 2L));
            store.incr("n", 41);
            store.incr("n");
            assertTrue(store.compareAndSet("y", 2, 3L));
            store.remove("x");
        }
        try (StateStore store = StateStores.open(uri)) {
            assertEquals(Set.of("map", "y", "n"), store.keys());
            assertEquals(42L, store.fetch("n").orElseThrow());
            assertEquals(3L, store.fetch("y").orElseThrow());
            assertEquals(MapDbStateStore.class, store.unwrap(MapDbStateStore.class).getClass());
        }
    }

    @Test
    @DisplayName("keys(prefix) returns exactly the keys with that prefix, also next to surrogates and U+FFFF")
    void keysByPrefix() {
        try (StateStore store = StateStores.open("mapdb:" + dir.resolve("keys.db"))) {
            for (String key : List.of("a", "ab", "abc", "ab\uffff", "ac", "b", "ab\ud83d\ude00", "aa", "user:1",
                    "user:10", "user;")) {
                store.store(key, true);
            }
            assertEquals(Set.of("ab", "abc", "ab\uffff", "ab\ud83d\ude00"), store.keys("ab"));
            assertEquals(Set.of("user:1", "user:10"), store.keys("user:"));
            assertEquals(Set.of(), store.keys("zz"));
            assertEquals(11, store.keys("").size());
        }
    }

    @Test
    @DisplayName("wrap uses the caller's DB, unwrap returns it, and close leaves it open with the data committed")
    void wrapsAUsersDb() {
        DB db = DBMaker.fileDB(dir.resolve("own.db").toFile()).transactionEnable().make();
        try {
            MapDbStateStore store = MapDbStateStore.wrap(db, "sessions");
            assertSame(db, store.unwrap(DB.class));
            store.store("user:1", Map.of("name", "Ada"));
            assertEquals(5L, store.incr("visits", 5));
            store.close();
            assertThrows(StateStoreClosedException.class, () -> store.fetch("user:1"));
            assertFalse(db.isClosed(), "the caller's DB stays open");
            db.rollback();
            assertEquals(2, db.treeMap("sessions", Serializer.STRING, Serializer.BYTE_ARRAY).open().size(),
                    "close committed the writes, so a rollback keeps them");
            MapDbStateStore again = MapDbStateStore.wrap(db, "sessions", Durability.GROUP, Duration.ofMillis(10));
            assertEquals(6L, again.incr("visits"));
            again.close();
        } finally {
            db.close();
        }
    }

    @Test
    @DisplayName("wrap refuses a closed DB and a name taken by another kind of collection")
    void wrapRefusesWhatItCannotUse() {
        DB db = DBMaker.memoryDB().make();
        db.hashMap("taken").createOrOpen();
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> MapDbStateStore.wrap(db, "taken"));
        assertTrue(taken.getMessage().contains("\"taken\""), taken.getMessage());
        db.close();
        assertThrows(IllegalArgumentException.class, () -> MapDbStateStore.wrap(db, "state"));
    }

    @Test
    @DisplayName("flush commits GROUP writes at once, and the store reports its durability")
    void flushCommits() {
        try (StateStore store = StateStores.open("mapdb:" + dir.resolve("flush.db")
                + "?durability=group&commitMillis=60000")) {
            MapDbStateStore mapdb = store.unwrap(MapDbStateStore.class);
            assertEquals(Durability.GROUP, mapdb.durability());
            long[] committed = {-1};
            mapdb.observeCommits(covered -> committed[0] = covered);
            store.store("k", "v");
            assertEquals(-1, committed[0], "the window is a minute, so nothing was committed yet");
            mapdb.flush();
            assertEquals(mapdb.appliedChanges(), committed[0]);
        }
    }

    @Test
    @DisplayName("a file whose creation a crash cut short (empty, or all zeros) opens as a new store")
    void interruptedCreationStartsAfresh() throws Exception {
        Files.write(dir.resolve("empty.db"), new byte[0]);
        Files.write(dir.resolve("zeros.db"), new byte[8192]);
        for (String name : List.of("empty.db", "zeros.db")) {
            try (StateStore store = StateStores.open("mapdb:" + dir.resolve(name))) {
                assertEquals(0, store.size(), name);
                store.store("k", "v");
            }
            try (StateStore store = StateStores.open("mapdb:" + dir.resolve(name))) {
                assertEquals(Map.of("k", "v"), store.fetchAll(List.of("k")), name);
            }
        }
    }

    @Test
    @DisplayName("a complete journal left beside a missing or empty file belongs to an earlier file and is not replayed")
    void staleJournalIsNotReplayed() throws Exception {
        Path file = dir.resolve("recreated.db");
        byte[] junk = new byte[4096];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        try (RedoJournal journal = JournaledVolumeTest.journal(RedoJournal.pathFor(file))) {
            journal.write(List.of(new RedoJournal.Write(0, junk.length, junk)));
        }
        try (StateStore store = StateStores.open("mapdb:" + file)) {
            assertEquals(0, store.size());
            store.store("k", "v");
        }
        try (StateStore store = StateStores.open("mapdb:" + file)) {
            assertEquals(Map.of("k", "v"), store.fetchAll(List.of("k")));
        }
    }

    @Test
    @DisplayName("a file that is not a MapDB file is refused with a clear error, left as it was, and not left locked")
    void refusesAForeignFile() throws Exception {
        Path file = dir.resolve("foreign.db");
        byte[] content = new byte[8192];
        new java.util.Random(7).nextBytes(content);
        Files.write(file, content);
        for (int attempt = 0; attempt < 2; attempt++) {
            StateStoreException refused = assertThrows(StateStoreException.class,
                    () -> StateStores.open("mapdb:" + file));
            assertTrue(refused.getMessage().contains(file.toAbsolutePath() + " cannot be read")
                    && refused.getMessage().contains("not a MapDB file"), refused.getMessage());
        }
        assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(file)), "the file was changed");
    }

    @Test
    @DisplayName("the files and directories the store creates are the owner's alone by default, or a group's with fileMode")
    void filesArePrivate() throws Exception {
        assumeTrue(Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class) != null,
                "POSIX permissions only");
        Path file = dir.resolve("private/nested/state.db");
        try (StateStore store = StateStores.open("mapdb:" + file)) {
            store.store("secret", "s3cr3t");
        }
        for (String name : List.of("state.db", "state.db.journal", "state.db.log")) {
            assertEquals("rw-------", permissions(file.resolveSibling(name)), name);
        }
        assertEquals("rwx------", permissions(dir.resolve("private")));
        assertEquals("rwx------", permissions(dir.resolve("private/nested")));

        Path shared = dir.resolve("shared/state.db");
        try (StateStore store = StateStores.open("mapdb:" + shared + "?fileMode=660")) {
            store.store("k", 1L);
        }
        assertEquals("rw-rw----", permissions(shared));
        assertEquals("rwxrwx---", permissions(shared.getParent()));

        // A file an earlier version left readable by everyone is narrowed when the store opens it.
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        StateStores.open("mapdb:" + file).close();
        assertEquals("rw-------", permissions(file));

        IllegalArgumentException everyone = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("mapdb:" + dir.resolve("x.db") + "?fileMode=644"));
        assertTrue(everyone.getMessage().contains("fileMode=644 would let every local user reach the data"),
                everyone.getMessage());
    }

    private static String permissions(Path path) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
