package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.statestore.StateStore;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Many requests sent before any reply is read are all answered, strictly in order. */
class PipeliningTest {

    @org.junit.jupiter.api.io.TempDir
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

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("100 requests in one write get 100 replies in request order")
    void hundredRequestsInOneWrite(TestBridges.Transport transport) throws Exception {
        try (RawConnection connection = RawConnection.authenticated(bridge, TestBridges.address(bridge, transport))) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            for (long id = 1; id <= 100; id++) {
                byte[] request = id % 2 == 1 ? RawConnection.encode(id, "incr", "counter", 1L)
                        : RawConnection.encode(id, "get", "counter");
                pipeline.writeBytes(RawConnection.frame(request));
            }
            connection.sendRaw(pipeline.toByteArray());
            for (long id = 1; id <= 100; id++) {
                List<Object> reply = connection.reply();
                assertEquals(id, reply.get(0), "replies come in request order");
                assertEquals(0L, reply.get(1));
                assertEquals((id + 1) / 2, reply.get(2), "each get sees the incr sent just before it");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("ids are echoed exactly, from negative int64 to uint64 above the long range")
    void idsAreEchoed(TestBridges.Transport transport) throws Exception {
        try (RawConnection connection = RawConnection.authenticated(bridge, TestBridges.address(bridge, transport))) {
            java.math.BigInteger uint64Max = java.math.BigInteger.TWO.pow(64).subtract(java.math.BigInteger.ONE);
            for (Object id : List.of(Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE, uint64Max)) {
                byte[] request;
                try (var packer = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
                    packer.packArrayHeader(2);
                    if (id instanceof java.math.BigInteger) {
                        packer.packBigInteger((java.math.BigInteger) id);
                    } else {
                        packer.packLong((Long) id);
                    }
                    packer.packString("ping");
                    request = packer.toByteArray();
                }
                connection.sendFrame(request);
                byte[] reply = connection.readFrame(RawConnection.DEFAULT_TIMEOUT);
                // The id's bytes in the reply are the id's bytes in the request: same msgpack format.
                byte[] idBytes = java.util.Arrays.copyOfRange(request, 1, request.length - 5);
                assertEquals(java.util.HexFormat.of().formatHex(idBytes),
                        java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(reply, 1, 1 + idBytes.length)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestBridges.Transport.class)
    @DisplayName("a writer that never waits and a reader on the same connection: 20,000 requests, large frames among them, all in order")
    void concurrentWriterAndReader(TestBridges.Transport transport) throws Exception {
        int count = 20_000;
        byte[] large = new byte[200 * 1024];
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (RawConnection connection = RawConnection.authenticated(bridge, TestBridges.address(bridge, transport))) {
            Future<?> sent = writer.submit(() -> {
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (long id = 1; id <= count; id++) {
                    byte[] request = id % 1000 == 0 ? RawConnection.encode(id, "set", "large", large)
                            : RawConnection.encode(id, "incr", "n", 1L);
                    batch.writeBytes(RawConnection.frame(request));
                    if (id % 64 == 0 || id == count) {
                        connection.sendRaw(batch.toByteArray());
                        batch.reset();
                    }
                }
                return null;
            });
            long expectedCounter = 0;
            for (long id = 1; id <= count; id++) {
                List<Object> reply = connection.reply();
                assertEquals(id, reply.get(0));
                assertEquals(0L, reply.get(1), reply.toString());
                if (id % 1000 != 0) {
                    assertEquals(++expectedCounter, reply.get(2));
                }
            }
            sent.get(30, TimeUnit.SECONDS);
        } finally {
            writer.shutdownNow();
        }
        assertEquals((long) count - count / 1000, store.fetch("n").orElseThrow());
    }
}
