package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a connection may hold and for how long: a half-sent frame until the frame timeout, a place in a
 * listener's queue of connections before hello until the handshake timeout or until newer connections push it
 * out, and nothing of another listener's queue. Short limits keep the test fast.
 */
class BridgeDeadlinesTest {

    private static final Duration FRAME_TIMEOUT = Duration.ofMillis(400);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(400);
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
                .frameTimeout(FRAME_TIMEOUT)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .maxPendingConnections(2)
                .build());
    }

    @AfterEach
    void stop() {
        bridge.close();
        store.close();
    }

    private static byte[] frame(Object... request) {
        return RawConnection.frame(RawConnection.encode(request));
    }

    @Test
    @DisplayName("an authenticated peer that sends the first bytes of a frame and stops is disconnected after the frame timeout; the frame is not run")
    void halfFrameIsDroppedAfterTheFrameTimeout() throws Exception {
        for (TestBridges.Transport transport : TestBridges.Transport.values()) {
            // Part of the length, part of a small frame, and 70,000 of a 100,000-byte frame (larger than the
            // server's read buffer, so read another way).
            byte[] large = java.nio.ByteBuffer.allocate(4 + 70_000).putInt(100_000).array();
            byte[] small = frame(1L, "set", "kept", "overwritten");
            for (byte[] part : List.of(Arrays.copyOf(small, 2), Arrays.copyOf(small, 9), large)) {
                try (RawConnection connection = RawConnection.authenticated(bridge, TestBridges.address(bridge, transport))) {
                    long started = System.nanoTime();
                    connection.sendRaw(part);
                    assertTrue(connection.closedByServer(CLOSE_WAIT), transport + ": closed");
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    assertTrue(took.compareTo(FRAME_TIMEOUT.minusMillis(50)) >= 0, transport + ": not before the timeout, took " + took);
                    assertTrue(took.compareTo(FRAME_TIMEOUT.plusSeconds(2)) < 0, transport + ": soon after the timeout, took " + took);
                }
            }
        }
        assertEquals("value", store.fetch("kept").orElseThrow());
        awaitAuthenticated(0);
    }

    @Test
    @DisplayName("a frame that arrives in pieces within the frame timeout is served, and an idle connection between frames is left open")
    void slowFrameWithinTheTimeoutAndIdleConnection() throws Exception {
        try (RawConnection connection = RawConnection.authenticated(bridge, bridge.address())) {
            byte[] whole = frame(1L, "get", "kept");
            connection.sendRaw(Arrays.copyOf(whole, 5));
            Thread.sleep(FRAME_TIMEOUT.toMillis() / 2);
            connection.sendRaw(Arrays.copyOfRange(whole, 5, whole.length));
            assertEquals(List.of(1L, 0L, "value"), connection.reply());
            Thread.sleep(FRAME_TIMEOUT.toMillis() * 2);
            assertEquals(List.of(2L, 0L, "value"), connection.call(2L, "get", "kept"), "idle is not a half-sent frame");
        }
    }

    @Test
    @DisplayName("a connection that sends half a frame before hello is closed at the handshake timeout")
    void halfFrameBeforeHello() throws Exception {
        try (RawConnection connection = RawConnection.open(bridge.address())) {
            long started = System.nanoTime();
            connection.sendRaw(new byte[] {0, 0, 0, 40, (byte) 0x94});
            assertTrue(connection.closedByServer(CLOSE_WAIT));
            assertTrue(System.nanoTime() - started >= HANDSHAKE_TIMEOUT.minusMillis(50).toNanos());
        }
        awaitPending(0);
    }

    @Test
    @DisplayName("a full listener admits a new connection by closing its oldest one waiting for hello; a client saying hello at once is served; the other listener is not touched")
    void fullListenerClosesItsOldest() throws Exception {
        BridgeAddress tcp = TestBridges.address(bridge, TestBridges.Transport.TCP);
        BridgeAddress unix = TestBridges.address(bridge, TestBridges.Transport.UNIX);
        List<RawConnection> opened = new ArrayList<>();
        try {
            RawConnection onUnix = open(unix, opened);
            RawConnection oldest = open(tcp, opened);
            RawConnection second = open(tcp, opened);
            awaitPending(3);
            RawConnection third = open(tcp, opened);
            assertTrue(oldest.closedByServer(CLOSE_WAIT), "the oldest waiting connection is closed");
            assertEquals(1, bridge.evictedConnections());
            assertFalse(second.closedByServer(Duration.ofMillis(100)), "the newer ones stay");
            assertFalse(onUnix.closedByServer(Duration.ofMillis(100)), "the Unix listener's queue is its own");
            assertEquals(0L, second.call(1L, "hello", List.of(1L), bridge.token()).get(1),
                    "a waiting connection not pushed out can still say hello");
            assertEquals(0L, third.call(1L, "hello", List.of(1L), bridge.token()).get(1));
            RawConnection alsoOnUnix = open(unix, opened);
            assertEquals(0L, alsoOnUnix.call(0L, "hello", List.of(1L), bridge.token()).get(1));
            assertEquals(List.of(1L, 0L, "value"), alsoOnUnix.call(1L, "get", "kept"));

            open(tcp, opened);
            open(tcp, opened);
            awaitPending(3);
            try (BridgeClient client = BridgeClient.connect(tcp, bridge.token())) {
                assertEquals("value", client.fetch("kept").orElseThrow(), "a client that says hello at once is served"
                        + " when the queue is full");
            }
        } finally {
            for (RawConnection connection : opened) {
                connection.close();
            }
        }
    }

    private static RawConnection open(BridgeAddress address, List<RawConnection> opened) throws Exception {
        RawConnection connection = RawConnection.open(address);
        opened.add(connection);
        return connection;
    }

    private void awaitPending(int count) throws InterruptedException {
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (bridge.pendingConnectionCount() != count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, bridge.pendingConnectionCount());
    }

    private void awaitAuthenticated(int count) throws InterruptedException {
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (bridge.connectionCount() != count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, bridge.connectionCount());
    }
}
