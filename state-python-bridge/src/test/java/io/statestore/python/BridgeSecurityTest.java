package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's answer to each kind of bad client, and what it guarantees about its socket file. */
class BridgeSecurityTest {

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    @TempDir
    Path directory;

    private StateStore store;
    private StateBridge bridge;

    @BeforeEach
    void start() throws Exception {
        store = TestBridges.freshStore();
        store.store("kept", "value");
        bridge = StateBridge.start(store, BridgeOptions.builder()
                .unixSocket(directory.resolve("bridge.sock"))
                .tcpLoopback(0)
                .maxFrameBytes(4096)
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        try {
            // After every bad client: the server still answers a good one, and the data is intact.
            try (BridgeClient client = BridgeClient.connect(bridge.address(), bridge.token())) {
                assertEquals("value", client.fetch("kept").orElseThrow());
            }
        } finally {
            bridge.close();
            store.close();
        }
    }

    private RawConnection raw() throws Exception {
        return RawConnection.open(bridge.address());
    }

    private RawConnection authenticated() throws Exception {
        return RawConnection.authenticated(bridge, bridge.address());
    }

    private static void assertError(ErrorCode expected, Object expectedId, List<Object> reply) {
        assertEquals(expectedId, reply.get(0), "id of " + reply);
        assertEquals((long) expected.code(), reply.get(1), "code of " + reply);
        assertTrue(reply.get(2) instanceof String && !((String) reply.get(2)).isEmpty(), "message of " + reply);
    }

    @Test
    @DisplayName("a wrong token gets UNAUTHORIZED and a closed connection")
    void wrongToken() throws Exception {
        try (RawConnection connection = raw()) {
            assertError(ErrorCode.UNAUTHORIZED, 1L, connection.call(1L, "hello", List.of(1L), bridge.token() + "x"));
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
        assertThrows(BridgeException.class, () -> BridgeClient.connect(bridge.address(), "not-the-token"));
    }

    @Test
    @DisplayName("a first request that is not hello gets UNAUTHORIZED and a closed connection; the op is not run")
    void firstRequestNotHello() throws Exception {
        try (RawConnection connection = raw()) {
            assertError(ErrorCode.UNAUTHORIZED, 1L, connection.call(1L, "set", "kept", "overwritten"));
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
        assertEquals("value", store.fetch("kept").orElseThrow());
    }

    @Test
    @DisplayName("a hello without a token gets UNAUTHORIZED and a closed connection")
    void helloWithoutToken() throws Exception {
        try (RawConnection connection = raw()) {
            assertError(ErrorCode.UNAUTHORIZED, 1L, connection.call(1L, "hello", List.of(1L)));
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
        try (RawConnection connection = raw()) {
            assertError(ErrorCode.UNAUTHORIZED, 2L, connection.call(2L, "hello", List.of(1L), 12345L));
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
    }

    @Test
    @DisplayName("a hello with no common version gets UNSUPPORTED_VERSION naming the server's versions, then close")
    void unsupportedVersion() throws Exception {
        try (RawConnection connection = raw()) {
            List<Object> reply = connection.call(1L, "hello", List.of(3L, 4L), bridge.token());
            assertError(ErrorCode.UNSUPPORTED_VERSION, 1L, reply);
            assertTrue(((String) reply.get(2)).contains("[1, 2]"), reply.toString());
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
    }

    @Test
    @DisplayName("an unknown op gets UNKNOWN_OP and the connection stays open")
    void unknownOp() throws Exception {
        try (RawConnection connection = authenticated()) {
            List<Object> reply = connection.call(5L, "drop_table", "x");
            assertError(ErrorCode.UNKNOWN_OP, 5L, reply);
            assertTrue(((String) reply.get(2)).contains("drop_table"));
            assertEquals(List.of(6L, 0L, "value"), connection.call(6L, "get", "kept"));
        }
    }

    @Test
    @DisplayName("wrong argument types get BAD_ARGUMENT naming the problem; nothing is written")
    void wrongArgumentTypes() throws Exception {
        try (RawConnection connection = authenticated()) {
            assertError(ErrorCode.BAD_ARGUMENT, 1L, connection.call(1L, "get", 42L));
            assertError(ErrorCode.BAD_ARGUMENT, 2L, connection.call(2L, "set", List.of("kept"), "x"));
            assertError(ErrorCode.BAD_ARGUMENT, 3L, connection.call(3L, "incr", "n", "one"));
            assertError(ErrorCode.BAD_ARGUMENT, 4L, connection.call(4L, "get_multi", "kept"));
            assertError(ErrorCode.BAD_ARGUMENT, 5L, connection.call(5L, "get_multi", List.of("kept", 1L)));
            assertError(ErrorCode.BAD_ARGUMENT, 6L, connection.call(6L, "set_multi", List.of("kept")));
            assertError(ErrorCode.BAD_ARGUMENT, 7L, connection.call(7L, "keys", 3L));
            List<Object> reply = connection.call(8L, "delete", true);
            assertError(ErrorCode.BAD_ARGUMENT, 8L, reply);
            assertTrue(((String) reply.get(2)).contains("must be a string, got boolean"), reply.toString());
            assertFalse(store.fetch("n").isPresent());
            assertEquals(List.of(9L, 0L, "value"), connection.call(9L, "get", "kept"));
        }
    }

    @Test
    @DisplayName("wrong argument counts get BAD_ARGUMENT saying how many the op takes")
    void wrongArgumentCounts() throws Exception {
        try (RawConnection connection = authenticated()) {
            List<Object> reply = connection.call(1L, "get");
            assertError(ErrorCode.BAD_ARGUMENT, 1L, reply);
            assertTrue(((String) reply.get(2)).contains("takes 1 argument"), reply.toString());
            assertError(ErrorCode.BAD_ARGUMENT, 2L, connection.call(2L, "set", "kept"));
            assertError(ErrorCode.BAD_ARGUMENT, 3L, connection.call(3L, "set", "kept", "a", "b"));
            assertError(ErrorCode.BAD_ARGUMENT, 4L, connection.call(4L, "cas", "kept", "value"));
            assertError(ErrorCode.BAD_ARGUMENT, 5L, connection.call(5L, "ping", 1L));
            assertError(ErrorCode.BAD_ARGUMENT, 6L, connection.call(6L, "clear", "everything"));
            assertEquals(List.of(7L, 0L, "value"), connection.call(7L, "get", "kept"));
        }
        assertEquals(1L, store.size(), "the refused clear removed nothing");
    }

    @Test
    @DisplayName("malformed msgpack and non-request frames get MALFORMED, id echoed when readable; the connection stays")
    void malformedMsgpack() throws Exception {
        try (RawConnection connection = authenticated()) {
            connection.sendFrame(new byte[] {(byte) 0xc1});
            assertError(ErrorCode.MALFORMED, null, connection.reply());
            connection.sendFrame(new byte[] {(byte) 0x93, 0x01, (byte) 0xa3, 'g', 'e'});
            assertError(ErrorCode.MALFORMED, 1L, connection.reply());
            connection.sendFrame(RawConnection.encode("get", "kept"));
            connection.sendFrame(new byte[] {(byte) 0xa3, 'a', 'b', 'c'});
            assertError(ErrorCode.MALFORMED, null, connection.reply());
            assertError(ErrorCode.MALFORMED, null, connection.reply());
            connection.send("id", "get", "kept");
            assertError(ErrorCode.MALFORMED, null, connection.reply());
            connection.send(7L, 99L, "kept");
            assertError(ErrorCode.MALFORMED, 7L, connection.reply());
            byte[] trailing = RawConnection.encode(8L, "get", "kept");
            byte[] withTrailing = java.util.Arrays.copyOf(trailing, trailing.length + 1);
            connection.sendFrame(withTrailing);
            assertError(ErrorCode.MALFORMED, 8L, connection.reply());
            byte[] badUtf8 = {(byte) 0x93, 0x09, (byte) 0xa3, 'g', 'e', 't', (byte) 0xa2, (byte) 0xc3, 0x28};
            connection.sendFrame(badUtf8);
            assertError(ErrorCode.MALFORMED, 9L, connection.reply());
            assertEquals(List.of(10L, 0L, "value"), connection.call(10L, "get", "kept"));
        }
        try (RawConnection connection = raw()) {
            connection.sendFrame(new byte[] {(byte) 0xc1});
            assertError(ErrorCode.MALFORMED, null, connection.reply());
            assertEquals(0L, connection.call(1L, "hello", List.of(1L), bridge.token()).get(1),
                    "a malformed frame before hello leaves the handshake possible");
        }
    }

    @Test
    @DisplayName("a value outside the value model (an unknown ext type) gets BAD_ARGUMENT with the id")
    void valueOutsideModel() throws Exception {
        try (RawConnection connection = authenticated()) {
            byte[] request = {(byte) 0x94, 0x03, (byte) 0xa3, 's', 'e', 't', (byte) 0xa1, 'k', (byte) 0xd4, 0x05, 0x00};
            connection.sendFrame(request);
            assertError(ErrorCode.BAD_ARGUMENT, 3L, connection.reply());
            assertFalse(store.fetch("k").isPresent());
        }
    }

    @Test
    @DisplayName("a frame over the limit gets FRAME_TOO_LARGE with a nil id, then the connection is closed")
    void frameOverLimit() throws Exception {
        try (RawConnection connection = authenticated()) {
            connection.sendRaw(ByteBuffer.allocate(4 + 100).putInt(4097).array());
            List<Object> reply = connection.reply();
            assertError(ErrorCode.FRAME_TOO_LARGE, null, reply);
            assertTrue(((String) reply.get(2)).contains("4096"), reply.toString());
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
        try (RawConnection connection = authenticated()) {
            byte[] justFits = new byte[4096 - 16];
            assertEquals(0L, connection.call(1L, "set", "big", justFits).get(1), "a frame at the limit is served");
        }
        try (RawConnection connection = raw()) {
            connection.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            assertError(ErrorCode.FRAME_TOO_LARGE, null, connection.reply());
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
    }

    @Test
    @DisplayName("before hello, frames are limited to 64 KiB even when the limit is higher")
    void unauthenticatedFrameLimit() throws Exception {
        try (StateBridge roomy = StateBridge.start(store, BridgeOptions.builder().tcpLoopback(0).build());
             RawConnection connection = RawConnection.open(roomy.address())) {
            connection.sendRaw(ByteBuffer.allocate(4).putInt(BridgeConnection.UNAUTHENTICATED_MAX_FRAME + 1).array());
            assertError(ErrorCode.FRAME_TOO_LARGE, null, connection.reply());
            assertTrue(connection.closedByServer(CLOSE_WAIT));
        }
    }

    @Test
    @DisplayName("a zero-length frame gets MALFORMED and the connection stays open")
    void zeroLengthFrame() throws Exception {
        try (RawConnection connection = authenticated()) {
            connection.sendRaw(new byte[4]);
            assertError(ErrorCode.MALFORMED, null, connection.reply());
            assertEquals(List.of(2L, 0L, "value"), connection.call(2L, "get", "kept"));
        }
    }

    @Test
    @DisplayName("a client that sends half a frame and vanishes costs the server nothing")
    void clientVanishesMidFrame() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (RawConnection connection = authenticated()) {
                byte[] frame = RawConnection.frame(RawConnection.encode(1L, "set", "kept", "half-written"));
                connection.sendRaw(java.util.Arrays.copyOf(frame, frame.length / 2));
            }
            try (RawConnection connection = raw()) {
                connection.sendRaw(new byte[] {0, 0});
            }
        }
        awaitConnections(0);
        assertEquals("value", store.fetch("kept").orElseThrow(), "half a frame is never executed");
    }

    @Test
    @DisplayName("a client that connects and says nothing is closed after the handshake timeout; a client that said hello is not")
    void handshakeTimeout() throws Exception {
        try (StateBridge impatient = StateBridge.start(store, BridgeOptions.builder()
                .tcpLoopback(0).handshakeTimeout(Duration.ofMillis(300)).build());
             RawConnection silent = RawConnection.open(impatient.address());
             RawConnection polite = RawConnection.authenticated(impatient, impatient.address())) {
            assertTrue(silent.closedByServer(CLOSE_WAIT), "the silent connection is closed");
            Thread.sleep(500);
            assertEquals(List.of(1L, 0L, "value"), polite.call(1L, "get", "kept"));
            assertEquals(1, impatient.connectionCount());
            assertEquals(0, impatient.pendingConnectionCount());
        }
    }

    @Test
    @DisplayName("past the limit of authenticated connections a good hello gets SERVER_BUSY and a close; a freed place is reused")
    void connectionLimit() throws Exception {
        try (StateBridge small = StateBridge.start(store, BridgeOptions.builder().tcpLoopback(0).maxConnections(2).build())) {
            RawConnection first = RawConnection.authenticated(small, small.address());
            try (RawConnection second = RawConnection.authenticated(small, small.address());
                 RawConnection third = RawConnection.open(small.address());
                 RawConnection stranger = RawConnection.open(small.address())) {
                assertError(ErrorCode.UNAUTHORIZED, 1L, stranger.call(1L, "hello", List.of(1L), "not-the-token"));
                assertError(ErrorCode.SERVER_BUSY, 7L, third.call(7L, "hello", List.of(1L), small.token()));
                assertTrue(third.closedByServer(CLOSE_WAIT));
                assertEquals(List.of(1L, 0L, "value"), second.call(1L, "get", "kept"));
            } finally {
                first.close();
            }
            long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
            while (small.connectionCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (RawConnection again = RawConnection.authenticated(small, small.address())) {
                assertEquals(List.of(2L, 0L, "value"), again.call(2L, "get", "kept"));
            }
        }
    }

    @Test
    @DisplayName("connections that have not said hello do not count against the connection limit")
    void pendingConnectionsDoNotCount() throws Exception {
        try (StateBridge small = StateBridge.start(store, BridgeOptions.builder().tcpLoopback(0).maxConnections(1).build())) {
            List<RawConnection> silent = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    silent.add(RawConnection.open(small.address()));
                }
                try (RawConnection client = RawConnection.authenticated(small, small.address())) {
                    assertEquals(List.of(1L, 0L, "value"), client.call(1L, "get", "kept"));
                    assertEquals(1, small.connectionCount());
                }
            } finally {
                for (RawConnection connection : silent) {
                    connection.close();
                }
            }
        }
    }

    @Test
    @DisplayName("the Unix socket file is mode 0600 and removed on close, which leaves the store open")
    void socketFileMode() throws Exception {
        Path socket = directory.resolve("bridge.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
        StateBridge privateBridge = StateBridge.start(store, BridgeOptions.defaults());
        Path privateSocket = privateBridge.address().unixPath();
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateSocket)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateSocket.getParent())));
        } finally {
            privateBridge.close();
        }
        assertFalse(Files.exists(privateSocket, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(privateSocket.getParent()), "the private directory is removed too");
        assertEquals("value", store.fetch("kept").orElseThrow(), "closing a bridge does not close the store");
        Path lock = directory.resolve("bridge.sock.lock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock, LinkOption.NOFOLLOW_LINKS)));
        try (java.util.stream.Stream<Path> left = Files.list(directory)) {
            assertEquals(java.util.Set.of(socket, lock), java.util.Set.copyOf(left.toList()),
                    "beside the socket only its lock file, no staging directory");
        }
    }

    @Test
    @DisplayName("a stale socket file is replaced; a live socket or a regular file at the path is refused")
    void socketPathConflicts() throws Exception {
        Path live = directory.resolve("bridge.sock");
        IllegalArgumentException busy = assertThrows(IllegalArgumentException.class, () ->
                StateBridge.start(store, BridgeOptions.builder().unixSocket(live).build()));
        assertTrue(busy.getMessage().contains("another bridge in this process is serving there"), busy.getMessage());
        assertTrue(Files.exists(live, LinkOption.NOFOLLOW_LINKS), "the first bridge's socket is left alone");
        Path regular = Files.writeString(directory.resolve("notes.txt"), "keep me");
        assertThrows(IllegalArgumentException.class, () ->
                StateBridge.start(store, BridgeOptions.builder().unixSocket(regular).build()));
        assertEquals("keep me", Files.readString(regular));
        assertFalse(Files.exists(directory.resolve("notes.txt.lock")), "a path that cannot be served gets no lock file");

        Path stalePath = directory.resolve("stale.sock");
        try (var stale = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(stalePath));
        }
        assertTrue(Files.exists(stalePath, LinkOption.NOFOLLOW_LINKS), "closing a channel leaves its file");
        try (StateBridge replacing = StateBridge.start(store, BridgeOptions.builder().unixSocket(stalePath).build());
             BridgeClient client = BridgeClient.connect(replacing.address(), replacing.token())) {
            assertEquals("value", client.fetch("kept").orElseThrow());
        }
    }

    @Test
    @DisplayName("ten bridges started at once on one socket path: one serves, nine are refused, the socket stays the first one's")
    void oneBridgePerSocketPath() throws Exception {
        Path shared = directory.resolve("shared.sock");
        java.util.concurrent.ExecutorService starters = java.util.concurrent.Executors.newFixedThreadPool(10);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<StateBridge>> started = new java.util.ArrayList<>();
        List<StateBridge> serving = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                started.add(starters.submit(() -> {
                    go.await();
                    return StateBridge.start(store, BridgeOptions.builder().unixSocket(shared).build());
                }));
            }
            go.countDown();
            int refused = 0;
            for (java.util.concurrent.Future<StateBridge> start : started) {
                try {
                    serving.add(start.get(30, java.util.concurrent.TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof IllegalArgumentException
                            && e.getCause().getMessage().contains("is serving there"), String.valueOf(e.getCause()));
                    refused++;
                }
            }
            assertEquals(1, serving.size());
            assertEquals(9, refused);
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(shared), serving.get(0).token())) {
                assertEquals("value", client.fetch("kept").orElseThrow());
            }
        } finally {
            starters.shutdownNow();
            serving.forEach(StateBridge::close);
        }
        assertFalse(Files.exists(shared, LinkOption.NOFOLLOW_LINKS), "removed by its server at close");
        try (StateBridge again = StateBridge.start(store, BridgeOptions.builder().unixSocket(shared).build())) {
            assertEquals(shared, again.address().unixPath(), "the path can be served again");
        }
    }

    @Test
    @DisplayName("close() closes open connections")
    void closeClosesConnections() throws Exception {
        StateBridge closing = StateBridge.start(store, BridgeOptions.builder().tcpLoopback(0).build());
        try (RawConnection connection = RawConnection.authenticated(closing, closing.address())) {
            closing.close();
            assertTrue(connection.closedByServer(CLOSE_WAIT));
            assertEquals(0, closing.connectionCount());
        } finally {
            closing.close();
        }
    }

    private void awaitConnections(int count) throws InterruptedException {
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (bridge.connectionCount() != count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, bridge.connectionCount());
    }
}
