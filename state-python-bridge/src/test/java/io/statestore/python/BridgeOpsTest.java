package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateTypeException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every op of the protocol, through a real bridge over a Unix socket and over TCP. */
class BridgeOpsTest {

    @TempDir
    Path directory;

    private StateStore store;
    private StateBridge bridge;

    @BeforeEach
    void start() throws Exception {
        store = TestBridges.freshStore();
        bridge = TestBridges.startBoth(store, directory);
    }

    @AfterEach
    void stop() {
        bridge.close();
        store.close();
    }

    private BridgeClient client(TestBridges.Transport transport) throws Exception {
        return BridgeClient.connect(TestBridges.address(bridge, transport), bridge.token());
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("hello answers with the version, the server name and the frame limit")
    void helloReportsVersionAndLimits(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            assertEquals(2L, client.serverInfo().get("version"));
            assertEquals("statestore " + StateBridge.version(), client.serverInfo().get("server"));
            assertEquals((long) BridgeOptions.DEFAULT_MAX_FRAME_BYTES, client.serverInfo().get("max_frame"));
            client.ping();
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("set and get carry every type of the value model without loss, and reach the store itself")
    void setAndGetEveryValueType(TestBridges.Transport transport) throws Exception {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("z", 1L);
        map.put(7L, List.of(true, false));
        map.put("nested", Map.of("bytes", new byte[] {0, 1, 2}));
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("bool", true);
        values.put("long", Long.MIN_VALUE);
        values.put("big", new BigInteger("123456789012345678901234567890"));
        values.put("negbig", new BigInteger("-98765432109876543210"));
        values.put("double", 2.5);
        values.put("nan", Double.NaN);
        values.put("inf", Double.NEGATIVE_INFINITY);
        values.put("string", "h\u00e9llo \uD83D\uDE00");
        values.put("bytes", new byte[] {(byte) 0xff, 0, 1});
        values.put("list", Arrays.asList(1L, null, "x", 1.5));
        values.put("map", map);
        try (BridgeClient client = client(transport)) {
            values.forEach(client::store);
            for (Map.Entry<String, Object> entry : values.entrySet()) {
                Object fetched = client.fetch(entry.getKey()).orElseThrow();
                Object direct = store.fetch(entry.getKey()).orElseThrow();
                assertTrue(io.statestore.value.Values.equal(io.statestore.value.Values.normalize(entry.getValue()), fetched), entry.getKey() + ": " + fetched);
                assertTrue(io.statestore.value.Values.equal(io.statestore.value.Values.normalize(entry.getValue()), direct), entry.getKey() + ": " + direct);
            }
            assertArrayEquals(new byte[] {(byte) 0xff, 0, 1}, (byte[]) client.fetch("bytes").orElseThrow());
            assertEquals(List.of("z", 7L, "nested"), List.copyOf(((Map<?, ?>) client.fetch("map").orElseThrow()).keySet()),
                    "map order is kept");
            assertTrue(client.fetch("absent").isEmpty(), "an absent key reads as nil");
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("delete, keys with and without prefix, size and clear act on the served store")
    void deleteKeysSizeClear(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            store.store("user:1", "ann");
            store.store("user:2", "bob");
            client.store("job:1", 1L);
            assertEquals(3L, client.size());
            assertEquals(Set.of("user:1", "user:2"), client.keys("user:"));
            assertEquals(Set.of("user:1", "user:2", "job:1"), client.keys());
            assertEquals(Set.of("user:1", "user:2", "job:1"), Set.copyOf((List<?>) client.call("keys", (Object) null)),
                    "a nil prefix lists every key");
            assertEquals(List.of("job:1"), client.call("keys", "job"));
            assertTrue(client.remove("user:1"));
            assertFalse(client.remove("user:1"), "a second delete finds nothing");
            assertFalse(store.fetch("user:1").isPresent());
            client.clear();
            assertEquals(0L, store.size());
            assertEquals(0L, client.size());
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("incr and decr are the store's atomic counters, with a default amount of 1")
    void incrAndDecr(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            assertEquals(5L, client.incr("n", 5));
            assertEquals(6L, client.call("incr", "n"));
            assertEquals(4L, client.decr("n", 2));
            assertEquals(3L, client.call("decr", "n"));
            assertEquals(3L, store.fetch("n").orElseThrow());
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("get_multi returns present keys only; set_multi writes all or, with one bad entry, nothing")
    void batches(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            client.storeAll(Map.of("a", 1L, "b", "two"));
            assertEquals(Map.of("a", 1L, "b", "two"), client.fetchAll(List.of("a", "b", "missing")));
            Map<String, Object> bad = new LinkedHashMap<>();
            bad.put("c", 3L);
            bad.put("", 4L);
            assertThrows(IllegalArgumentException.class, () -> client.storeAll(bad));
            assertFalse(store.fetch("c").isPresent(), "nothing of a refused batch is written");
            BridgeClient.Reply reply = client.request("set_multi", Map.of("d", 1L, 5L, 2L));
            assertEquals(ErrorCode.BAD_ARGUMENT, reply.error());
            assertFalse(store.fetch("d").isPresent(), "a batch with a non-string key writes nothing");
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("cas creates on nil expected, replaces on a match, deletes on nil update, refuses a mismatch")
    void compareAndSet(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            assertTrue(client.compareAndSet("k", null, Map.of("v", 1L)));
            assertFalse(client.compareAndSet("k", null, "other"));
            assertFalse(client.compareAndSet("k", Map.of("v", 2L), "other"));
            assertTrue(client.compareAndSet("k", Map.of("v", 1L), "second"));
            assertEquals("second", store.fetch("k").orElseThrow());
            assertTrue(client.compareAndSet("k", "second", null));
            assertFalse(store.fetch("k").isPresent());
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("store errors map to WRONG_TYPE, OVERFLOW and BAD_ARGUMENT, and leave the value as it was; set with nil removes")
    void storeErrorsMapToCodes(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            client.store("s", "text");
            assertEquals(ErrorCode.WRONG_TYPE, client.request("incr", "s", 1L).error());
            assertThrows(StateTypeException.class, () -> client.incr("s", 1));
            client.store("max", Long.MAX_VALUE);
            assertEquals(ErrorCode.OVERFLOW, client.request("incr", "max", 1L).error());
            assertThrows(ArithmeticException.class, () -> client.incr("max", 1));
            assertEquals(Long.MAX_VALUE, store.fetch("max").orElseThrow());
            assertEquals(ErrorCode.BAD_ARGUMENT, client.request("set", "", 1L).error());
            store.store("k", "gone soon");
            assertEquals(0L, client.request("set", "k", null).code(), "set with nil removes the key");
            assertEquals(ErrorCode.BAD_ARGUMENT, client.request("incr", "n", 2.5).error());
            assertEquals(ErrorCode.BAD_ARGUMENT, client.request("incr", "n", new BigInteger("99999999999999999999")).error());
            assertEquals("text", store.fetch("s").orElseThrow());
            assertFalse(store.fetch("n").isPresent());
            assertNull(client.fetch("k").orElse(null));
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("a closed store answers STORE_ERROR and the connection stays usable")
    void closedStoreIsStoreError(TestBridges.Transport transport) throws Exception {
        try (BridgeClient client = client(transport)) {
            store.close();
            BridgeClient.Reply reply = client.request("get", "k");
            assertEquals(ErrorCode.STORE_ERROR, reply.error());
            assertEquals(ErrorCode.STORE_ERROR, client.request("incr", "k", 1L).error());
            client.ping();
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("a version-1 connection is refused watch, naming the version it needs, and never gets a push")
    void versionOneConnectionsGetNoPushes(TestBridges.Transport transport) throws Exception {
        try (RawConnection raw = RawConnection.authenticated(bridge, TestBridges.address(bridge, transport));
                BridgeClient writer = client(transport)) {
            List<Object> refused = raw.call(1L, "watch", "");
            assertEquals((long) ErrorCode.UNKNOWN_OP.code(), refused.get(1));
            assertTrue(((String) refused.get(2)).contains("needs protocol version 2"), refused.get(2).toString());
            writer.store("k", 1L);
            assertEquals(List.of(2L, 0L, true), raw.call(2L, "delete", "k"), "the next frame is the reply, no push");
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("version 2: the watch reply comes first, then a push per change under the prefix, then unwatch ends them")
    void watchPushesChanges(TestBridges.Transport transport) throws Exception {
        try (RawConnection raw = RawConnection.open(TestBridges.address(bridge, transport));
                BridgeClient writer = client(transport)) {
            assertEquals(2L, ((Map<?, ?>) raw.call(0L, "hello", List.of(1L, 2L), bridge.token()).get(2)).get("version"));
            List<Object> watching = raw.call(1L, "watch", "p:");
            assertEquals(List.of(1L, 0L), watching.subList(0, 2));
            Object subscription = watching.get(2);
            writer.store("p:a", "x");
            writer.store("q", 1L);
            writer.remove("p:a");
            assertEquals(Arrays.asList(null, "event", subscription, "set", "p:a", "x"), raw.reply());
            assertEquals(Arrays.asList(null, "event", subscription, "delete", "p:a", null), raw.reply());
            assertEquals(List.of(2L, 0L, true), raw.call(2L, "unwatch", subscription));
            assertEquals(List.of(3L, 0L, false), raw.call(3L, "unwatch", subscription), "already ended");
            writer.store("p:b", 1L);
            assertEquals(Arrays.asList(4L, 0L, null), raw.call(4L, "ping"), "no push after unwatch");
            assertEquals((long) ErrorCode.BAD_ARGUMENT.code(), raw.call(5L, "unwatch", "one").get(1));
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("a watcher that never reads: writers and other clients go on, and it finds \"lost\" when it reads")
    void watcherThatDoesNotReadGetsLost(TestBridges.Transport transport) throws Exception {
        try (RawConnection raw = RawConnection.open(TestBridges.address(bridge, transport));
                BridgeClient writer = client(transport)) {
            raw.call(0L, "hello", List.of(2L), bridge.token());
            Object subscription = raw.call(1L, "watch", "").get(2);
            byte[] big = new byte[512];
            int changes = 40_000;  // far more than the queue and the socket buffers hold
            for (int i = 0; i < changes; i++) {
                writer.store("k" + (i % 100), big);
            }
            writer.ping();
            int events = 0;
            boolean lost = false;
            while (!lost) {
                List<Object> push = raw.reply();
                assertEquals(subscription, push.get(2));
                lost = "lost".equals(push.get(3));
                events++;
            }
            assertTrue(events < changes, "lost came after " + events + " of " + changes + " events");
            writer.store("after", 1L);
            List<Object> next;
            do {
                next = raw.reply();
            } while (!"after".equals(next.get(4)));
            assertEquals("set", next.get(3), "events flow again after lost");
        }
    }
}
