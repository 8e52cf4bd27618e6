package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statestore.OutcomeUnknownException;
import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import io.statestore.WriteNotAppliedException;
import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Expiry;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failed write reaches the client saying whether it was applied: {@link WriteNotAppliedException} as
 * NOT_APPLIED (11), {@link OutcomeUnknownException} as OUTCOME_UNKNOWN (12), each with the store's message,
 * through a real bridge on real sockets. What is under test is the bridge's mapping, so most cases serve a
 * small store whose writes of chosen keys fail; one serves a real MapDB store on a small tmpfs this test
 * mounts (which needs root; elsewhere it is skipped, saying why) and fills.
 */
class BridgeWriteOutcomeTest {

    private static final String NOT_APPLIED_MESSAGE = "the write was not applied: the log has no room for it"
            + " (No space left on device)";
    private static final String UNKNOWN_MESSAGE = "the write was applied, but making it durable failed"
            + " (Input/output error)";

    @TempDir
    Path directory;

    private StateStore store;
    private StateBridge bridge;
    private Path mount;

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (store != null) {
            store.close();
        }
        if (mount != null) {
            Process process = new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, "umount " + mount);
        }
    }

    private void serve(StateStore served) throws Exception {
        store = served;
        bridge = TestBridges.startBoth(served, directory);
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("a write refused unapplied replies NOT_APPLIED (11) and one of unknown outcome OUTCOME_UNKNOWN (12),"
            + " with the store's message, and the connection stays")
    void rawRepliesCarryTheCodesAndMessages(TestBridges.Transport transport) throws Exception {
        serve(new FailingWritesStore());
        try (RawConnection connection = RawConnection.authenticated(bridge, TestBridges.address(bridge, transport))) {
            assertEquals(List.of(1L, 0L), connection.call(1L, "set", "kept", "before").subList(0, 2));
            assertEquals(List.of(2L, 11L, NOT_APPLIED_MESSAGE), connection.call(2L, "set", "full", "v"));
            assertEquals(List.of(3L, 12L, UNKNOWN_MESSAGE), connection.call(3L, "set", "unknown", "v"));
            assertEquals(List.of(4L, 11L, NOT_APPLIED_MESSAGE),
                    connection.call(4L, "set_multi", Map.of("other", 1L, "full", 2L)));
            assertEquals(List.of(5L, 12L, UNKNOWN_MESSAGE), connection.call(5L, "incr", "unknown-counter", 1L));
            assertEquals(List.of(6L, 0L, "before"), connection.call(6L, "get", "kept"));
            assertEquals(Arrays.asList(7L, 0L, null), connection.call(7L, "get", "other"),
                    "a refused batch wrote nothing");
            assertEquals(List.of(8L, 0L, 1L), connection.call(8L, "incr", "counter", 1L));
        }
        assertEquals(ErrorCode.NOT_APPLIED, ErrorCode.of(11));
        assertEquals(ErrorCode.OUTCOME_UNKNOWN, ErrorCode.of(12));
        assertEquals(ErrorCode.TIMEOUT, ErrorCode.of(13));
        assertNull(ErrorCode.of(14));
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("BridgeClient throws WriteNotAppliedException for NOT_APPLIED and OutcomeUnknownException for"
            + " OUTCOME_UNKNOWN, both StateStoreExceptions with the server's message")
    void bridgeClientThrowsTheMatchingExceptions(TestBridges.Transport transport) throws Exception {
        serve(new FailingWritesStore());
        try (BridgeClient client = BridgeClient.connect(TestBridges.address(bridge, transport), bridge.token())) {
            client.store("kept", "before");
            WriteNotAppliedException refused = assertThrows(WriteNotAppliedException.class,
                    () -> client.store("full", "v"));
            assertEquals(NOT_APPLIED_MESSAGE, refused.getMessage());
            assertInstanceOf(StateStoreException.class, refused);
            OutcomeUnknownException unknown = assertThrows(OutcomeUnknownException.class,
                    () -> client.store("unknown", "v"));
            assertEquals(UNKNOWN_MESSAGE, unknown.getMessage());
            assertInstanceOf(StateStoreException.class, unknown);
            assertThrows(WriteNotAppliedException.class, () -> client.storeAll(Map.of("full", 1L)));
            assertThrows(OutcomeUnknownException.class, () -> client.incr("unknown-counter", 1));
            assertEquals(ErrorCode.NOT_APPLIED, client.request("set", "full", "v").error());
            assertEquals(ErrorCode.OUTCOME_UNKNOWN, client.request("set", "unknown", "v").error());
            assertEquals("before", client.fetch("kept").orElseThrow());
            client.ping();
        }
    }

    @Test
    @DisplayName("a real MapDB store on a full disk: the bridge replies NOT_APPLIED naming the cause, and what was"
            + " stored before still reads back")
    void mapDbOnAFullDisk() throws Exception {
        Path small = directory.resolve("small");
        Files.createDirectory(small);
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs",
                small.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        boolean mounted = process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        assumeTrue(mounted, "this test mounts a 4 MiB tmpfs, which needs root (CI runs as root); mount said: "
                + output.strip());
        mount = small;
        serve(StateStores.open("mapdb:" + small.resolve("state.db")));
        // Leave the open store 256 KiB of room: a dozen values of 20 KB.
        FileStore fileStore = Files.getFileStore(small);
        long size = fileStore.getTotalSpace() - fileStore.getUsableSpace() + (256L << 10);
        Process remount = new ProcessBuilder("mount", "-o", "remount,size=" + size, small.toString()).inheritIO()
                .start();
        assertTrue(remount.waitFor(30, TimeUnit.SECONDS) && remount.exitValue() == 0, "remount " + small);
        String value = "x".repeat(20_000);
        try (BridgeClient client = BridgeClient.connect(TestBridges.address(bridge, TestBridges.Transport.UNIX),
                bridge.token());
                RawConnection raw = RawConnection.authenticated(bridge,
                        TestBridges.address(bridge, TestBridges.Transport.TCP))) {
            client.store("kept", "before");
            WriteNotAppliedException refused = null;
            for (int i = 0; i < 1000 && refused == null; i++) {
                try {
                    client.store("k" + i, value);
                } catch (WriteNotAppliedException e) {
                    refused = e;
                }
            }
            if (refused == null) {
                fail("1000 writes of 20 KB fitted in 256 KiB");
            }
            assertTrue(refused.getMessage().contains("No space left on device"), refused.getMessage());
            assertTrue(refused.getMessage().contains(small.toString()), "the message names the file: "
                    + refused.getMessage());
            List<Object> reply = raw.call(7L, "set", "after-full", value);
            assertEquals(7L, reply.get(0));
            assertEquals(11L, reply.get(1), "reply " + reply);
            assertTrue(((String) reply.get(2)).contains("No space left on device"), reply.toString());
            assertEquals("before", client.fetch("kept").orElseThrow());
            assertEquals(Optional.empty(), client.fetch("after-full"));
        }
    }

    /**
     * The backend of most cases: a memory store whose writes of keys starting with "full" are refused
     * unapplied, and whose writes of keys starting with "unknown" are applied and then fail, as a store does
     * whose disk fails while it makes a write durable.
     */
    private static final class FailingWritesStore extends AbstractStateStore {
        private final StateStore memory = StateStores.open("memory:failing-writes-" + System.nanoTime());

        FailingWritesStore() {
            super("failing-writes:");
        }

        /** Makes a write of {@code key}: refused before it for "full...", failing after it for "unknown...". */
        private static <T> T write(String key, Supplier<T> write) {
            if (key.startsWith("full")) {
                throw new WriteNotAppliedException(NOT_APPLIED_MESSAGE, new IOException("No space left on device"));
            }
            T result = write.get();
            if (key.startsWith("unknown")) {
                throw new OutcomeUnknownException(UNKNOWN_MESSAGE, new IOException("Input/output error"));
            }
            return result;
        }

        /** The time to live left until {@code expiresAt}, for the memory store behind. */
        private static Duration ttl(long expiresAt) {
            return expiresAt == Expiry.NONE ? null : Duration.ofMillis(Math.max(1, expiresAt - Expiry.now()));
        }

        @Override
        protected void doStore(String key, Object value, long expiresAt) {
            write(key, () -> {
                memory.store(key, value, ttl(expiresAt));
                return null;
            });
        }

        @Override
        protected void doStoreAll(Map<String, Object> batch, long expiresAt) {
            write(batch.containsKey("full") ? "full" : "", () -> {
                memory.storeAll(batch, ttl(expiresAt));
                return null;
            });
        }

        @Override
        protected long doIncr(String key, long amount, long expiresAtIfCreated) {
            return write(key, () -> memory.incr(key, amount, ttl(expiresAtIfCreated)));
        }

        @Override
        protected boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt) {
            return write(key, () -> memory.compareAndSet(key, expected, update, ttl(expiresAt)));
        }

        @Override
        protected boolean doExpire(String key, long expiresAt) {
            return write(key, () -> memory.expire(key, ttl(expiresAt)));
        }

        @Override
        protected boolean doPersist(String key) {
            return write(key, () -> memory.persist(key));
        }

        @Override
        protected long doExpiresAt(String key) {
            return memory.timeToLive(key).map(left -> Expiry.now() + left.toMillis()).orElse(Expiry.NONE);
        }

        @Override
        protected boolean doRemove(String key) {
            return write(key, () -> memory.remove(key));
        }

        @Override
        protected Optional<Object> doFetch(String key) {
            return memory.fetch(key);
        }

        @Override
        protected Collection<String> doKeys(String prefix) {
            return memory.keys(prefix);
        }

        @Override
        protected void doClear() {
            memory.clear();
        }

        @Override
        protected long doSize() {
            return memory.size();
        }
    }
}
