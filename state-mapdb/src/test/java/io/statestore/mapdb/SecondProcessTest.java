package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file belongs to one process: a second JVM is refused at once, and the first carries on unharmed. */
class SecondProcessTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a second JVM opening the same file fails at once naming the file; the first and the file are unharmed")
    void secondProcessIsRefused() throws Exception {
        Path file = dir.resolve("shared.db");
        String uri = "mapdb:" + file;
        try (StateStore first = StateStores.open(uri)) {
            first.store("before", List.of(1L, "one"));
            first.incr("hits", 5);
            String line;
            try (ChildJvm second = ChildJvm.start(LockProbe.class, uri)) {
                assertEquals(0, second.awaitExit(60_000), second.stderr());
                line = second.lines().stream().findFirst().orElse("(nothing; stderr: " + second.stderr() + ")");
            }
            assertTrue(line.startsWith("REFUSED io.statestore.StateStoreException "), line);
            assertTrue(line.contains(file.toAbsolutePath().toString()), "the message names the file: " + line);
            assertTrue(line.contains("in use"), "the message says the file is in use: " + line);

            first.store("after", Map.of("ok", true));
            assertEquals(6L, first.incr("hits"));
        }
        try (StateStore reopened = StateStores.open(uri)) {
            assertEquals(List.of(1L, "one"), reopened.fetch("before").orElseThrow());
            assertEquals(Map.of("ok", true), reopened.fetch("after").orElseThrow());
            assertEquals(6L, reopened.fetch("hits").orElseThrow());
        }
    }

    @Test
    @DisplayName("the same file opened twice in one JVM fails with the same clear error")
    void secondOpenInTheSameJvmIsRefused() {
        Path file = dir.resolve("twice.db");
        try (StateStore first = StateStores.open("mapdb:" + file)) {
            first.store("k", "v");
            io.statestore.StateStoreException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.statestore.StateStoreException.class, () -> StateStores.open("mapdb:" + file));
            assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()) && e.getMessage().contains("in use"),
                    e.getMessage());
            assertEquals("v", first.fetch("k").orElseThrow());
        }
    }
}
