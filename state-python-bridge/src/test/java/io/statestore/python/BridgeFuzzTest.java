package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.statestore.StateStore;
import io.statestore.value.Values;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Sends at least 100,000 seeded random frames (random bytes, random msgpack values, mutated valid requests,
 * and framing faults) over several connections, some authenticated and some not, then checks that the
 * server still serves a well-behaved client and that the data stored before the fuzz is unchanged.
 *
 * <p>Why the check is sound: the guarded entries live under the prefix {@value #GUARD_PREFIX}. Every frame
 * is decoded here with msgpack-core's lenient generic decoder before it is sent; a frame that decodes to a
 * request naming {@code clear} or holding any string that starts with the guard prefix (anywhere: key,
 * value, map key) is replaced by another. The server's own decoding is stricter than the generic one, so a
 * frame the generic decoder cannot read cannot run an op either. Thus no frame sent can legitimately touch
 * the guarded entries, and any change to them is a server bug (a frame misread, or a request run twice or
 * half). Each frame with intact framing must get exactly one well-formed reply {@code [id, code, message]}
 * with a known code, or a close after UNAUTHORIZED, UNSUPPORTED_VERSION or FRAME_TOO_LARGE.
 */
class BridgeFuzzTest {

    static final String GUARD_PREFIX = "guard";
    private static final int FRAMES = 100_000;
    private static final int CONNECTIONS = 6;
    private static final int MAX_FRAME = 64 * 1024;
    private static final String[] OPS = {"get", "set", "incr", "decr", "delete", "keys", "size", "ping", "get_multi",
            "set_multi", "cas", "hello", "clear"};

    private final Random random;
    private final long seed;

    BridgeFuzzTest() {
        seed = Long.getLong("statestore.fuzz.seed", System.nanoTime());
        random = new Random(seed);
    }

    /** One slot: a connection that is either authenticated after connecting or never says hello. */
    private final class Slot {
        final boolean authenticates;
        RawConnection connection;

        Slot(boolean authenticates) {
            this.authenticates = authenticates;
        }

        RawConnection connection(StateBridge bridge) throws IOException {
            if (connection == null) {
                connection = authenticates ? RawConnection.authenticated(bridge, bridge.address())
                        : RawConnection.open(bridge.address());
            }
            return connection;
        }

        void drop() throws IOException {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
    }

    @Test
    @Timeout(240)
    @DisplayName("100,000 random frames leave the server serving and the guarded data unchanged")
    void randomFramesDoNoHarm() throws Exception {
        System.out.println("bridge fuzz seed: " + seed + " (rerun with -Dstatestore.fuzz.seed=" + seed + ")");
        Map<String, Object> guarded = new TreeMap<>();
        for (int i = 0; i < 100; i++) {
            guarded.put(GUARD_PREFIX + ":" + i, i % 3 == 0 ? (Object) (long) i
                    : i % 3 == 1 ? "text " + i : Map.of("list", List.of(i, "x", new byte[] {(byte) i})));
        }
        try (StateStore store = TestBridges.freshStore();
             StateBridge bridge = StateBridge.start(store, BridgeOptions.builder().maxFrameBytes(MAX_FRAME)
                     .maxConnections(CONNECTIONS + 4).build())) {
            store.storeAll(guarded);
            List<byte[]> templates = validRequests(bridge.token());
            List<Slot> slots = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                slots.add(new Slot(i % 3 != 0));
            }
            long[] kinds = new long[4];
            long[] codes = new long[ErrorCode.values().length + 1];
            long reconnects = 0;
            long started = System.nanoTime();
            for (int sent = 0; sent < FRAMES; sent++) {
                Slot slot = slots.get(random.nextInt(slots.size()));
                RawConnection connection = slot.connection(bridge);
                int kind = random.nextInt(100);
                if (kind < 3) {
                    kinds[3]++;
                    if (framingFault(connection)) {
                        slot.drop();
                        reconnects++;
                    }
                    continue;
                }
                byte[] payload;
                if (kind < 33) {
                    kinds[0]++;
                    payload = safe(this::randomBytes);
                } else if (kind < 63) {
                    kinds[1]++;
                    payload = safe(this::randomMsgpack);
                } else {
                    kinds[2]++;
                    payload = safe(() -> mutate(templates.get(random.nextInt(templates.size()))));
                }
                connection.sendFrame(payload);
                List<Object> reply = replyOf(connection, payload);
                long code = (Long) reply.get(1);
                codes[(int) code]++;
                if (code == ErrorCode.UNAUTHORIZED.code() || code == ErrorCode.UNSUPPORTED_VERSION.code()
                        || code == ErrorCode.FRAME_TOO_LARGE.code()) {
                    assertTrue(connection.closedByServer(Duration.ofSeconds(5)), "closed after code " + code);
                    slot.drop();
                    reconnects++;
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("bridge fuzz: %d frames in %.1f s (random bytes %d, random msgpack %d, mutated requests"
                    + " %d, framing faults %d), %d reconnects; reply codes %s%n", FRAMES, took.toMillis() / 1000.0,
                    kinds[0], kinds[1], kinds[2], kinds[3], reconnects, Arrays.toString(codes));
            for (Slot slot : slots) {
                slot.drop();
            }

            try (BridgeClient client = BridgeClient.connect(bridge.address(), bridge.token())) {
                client.store("after", "fuzz");
                assertEquals("fuzz", client.fetch("after").orElseThrow());
                assertEquals(1L, client.incr("after-counter", 1));
                assertEquals(guarded.keySet(), new java.util.TreeSet<>(client.keys(GUARD_PREFIX)), "seed " + seed);
                for (Map.Entry<String, Object> entry : guarded.entrySet()) {
                    assertTrue(Values.equal(Values.normalize(entry.getValue()), store.fetch(entry.getKey()).orElseThrow()),
                            "guarded " + entry.getKey() + " unchanged (seed " + seed + ")");
                }
            }
            assertEquals(0, bridge.unexpectedFailures(), "no request hit an unexpected server failure");
        }
    }

    /** Reads the one reply a frame must get and checks its shape. */
    private List<Object> replyOf(RawConnection connection, byte[] payload) throws IOException {
        List<Object> reply;
        try {
            reply = connection.reply();
        } catch (IOException e) {
            throw new AssertionError("no reply to frame " + hex(payload) + " (seed " + seed + ")", e);
        }
        if (reply.size() != 3 || !(reply.get(1) instanceof Long)) {
            fail("reply " + reply + " is not [id, code, result] (seed " + seed + ")");
        }
        long code = (Long) reply.get(1);
        if (code != 0 && (ErrorCode.of(code) == null || !(reply.get(2) instanceof String))) {
            fail("reply " + reply + " has an unknown code or no message (seed " + seed + ")");
        }
        return reply;
    }

    /** Sends a frame with broken framing; true if the connection is gone afterwards. */
    private boolean framingFault(RawConnection connection) throws IOException {
        switch (random.nextInt(3)) {
            case 0:
                connection.sendRaw(new byte[4]);
                List<Object> reply = connection.reply();
                assertEquals((long) ErrorCode.MALFORMED.code(), reply.get(1), "zero-length frame");
                return false;
            case 1:
                connection.sendRaw(ByteBuffer.allocate(4).putInt(MAX_FRAME + 1 + random.nextInt(1 << 20)).array());
                List<Object> tooLarge = connection.reply();
                assertTrue(ErrorCode.FRAME_TOO_LARGE.code() == (Long) tooLarge.get(1), tooLarge.toString());
                return true;
            default:
                byte[] half = ByteBuffer.allocate(4 + 3).putInt(10 + random.nextInt(100)).array();
                connection.sendRaw(half);
                return true;
        }
    }

    private interface FrameMaker {
        byte[] make() throws IOException;
    }

    /** Makes frames until one cannot, by the reasoning in the class comment, touch the guarded entries. */
    private byte[] safe(FrameMaker maker) throws IOException {
        while (true) {
            byte[] frame = maker.make();
            if (frame.length > 0 && frame.length <= MAX_FRAME && harmless(frame)) {
                return frame;
            }
        }
    }

    /**
     * Walks the frame as msgpack without building values (msgpack-core's own unpackValue would allocate what
     * a random array header claims): false if it names op {@code clear} or holds a string starting with the
     * guard prefix. A frame that is not msgpack cannot run an op and is harmless.
     */
    private static boolean harmless(byte[] frame) {
        try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(frame)) {
            boolean[] danger = {false};
            if (unpacker.getNextFormat().getValueType() == ValueType.ARRAY) {
                long size = unpacker.unpackArrayHeader();
                for (long i = 0; i < size && !danger[0]; i++) {
                    if (i == 1 && unpacker.getNextFormat().getValueType() == ValueType.STRING) {
                        byte[] op = unpacker.readPayload(checked(unpacker, frame, unpacker.unpackRawStringHeader()));
                        danger[0] = Arrays.equals(op, "clear".getBytes(StandardCharsets.UTF_8)) || mentionsGuard(op);
                    } else {
                        scan(unpacker, frame, danger);
                    }
                }
            } else {
                scan(unpacker, frame, danger);
            }
            return !danger[0];
        } catch (Exception e) {
            return true;
        }
    }

    private static int checked(MessageUnpacker unpacker, byte[] frame, long declared) throws IOException {
        if (declared < 0 || declared > frame.length - unpacker.getTotalReadBytes()) {
            throw new IOException("declared length past the end");
        }
        return (int) declared;
    }

    private static void scan(MessageUnpacker unpacker, byte[] frame, boolean[] danger) throws IOException {
        switch (unpacker.getNextFormat().getValueType()) {
            case STRING:
                danger[0] |= mentionsGuard(unpacker.readPayload(checked(unpacker, frame, unpacker.unpackRawStringHeader())));
                break;
            case ARRAY: {
                long size = unpacker.unpackArrayHeader();
                for (long i = 0; i < size; i++) {
                    scan(unpacker, frame, danger);
                }
                break;
            }
            case MAP: {
                long size = unpacker.unpackMapHeader();
                for (long i = 0; i < 2 * size; i++) {
                    scan(unpacker, frame, danger);
                }
                break;
            }
            case BINARY:
                unpacker.readPayload(checked(unpacker, frame, unpacker.unpackBinaryHeader()));
                break;
            case EXTENSION:
                unpacker.readPayload(checked(unpacker, frame, unpacker.unpackExtensionTypeHeader().getLength()));
                break;
            default:
                unpacker.skipValue();
        }
    }

    private static boolean mentionsGuard(byte[] bytes) {
        byte[] guard = GUARD_PREFIX.getBytes(StandardCharsets.UTF_8);
        return bytes.length >= guard.length && Arrays.equals(Arrays.copyOf(bytes, guard.length), guard);
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[1 + random.nextInt(64)];
        random.nextBytes(bytes);
        if (random.nextBoolean()) {
            // Often look like an array, so the request parser is reached more often than the first byte check.
            bytes[0] = (byte) (0x90 | random.nextInt(6));
        }
        return bytes;
    }

    private byte[] randomMsgpack() throws IOException {
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            if (random.nextInt(10) < 7) {
                int args = random.nextInt(5);
                packer.packArrayHeader(2 + args);
                if (random.nextInt(10) < 8) {
                    packer.packLong(random.nextInt(10) == 0 ? random.nextLong() : random.nextInt(1000));
                } else {
                    packRandom(packer, 0);
                }
                if (random.nextInt(10) < 8) {
                    packer.packString(OPS[random.nextInt(OPS.length)]);
                } else {
                    packRandom(packer, 0);
                }
                for (int i = 0; i < args; i++) {
                    packRandom(packer, 0);
                }
            } else {
                packRandom(packer, 0);
            }
            return packer.toByteArray();
        }
    }

    private void packRandom(MessageBufferPacker packer, int depth) throws IOException {
        int choice = random.nextInt(depth < 3 ? 16 : 12);
        switch (choice) {
            case 0:
                packer.packNil();
                break;
            case 1:
                packer.packBoolean(random.nextBoolean());
                break;
            case 2:
                packer.packLong(random.nextLong());
                break;
            case 3:
                packer.packBigInteger(new BigInteger(64, random));
                break;
            case 4:
                packer.packDouble(random.nextBoolean() ? Double.NaN : random.nextGaussian() * 1e6);
                break;
            case 5:
                packer.packFloat(random.nextFloat());
                break;
            case 6:
            case 7:
                packer.packString(randomText());
                break;
            case 8: {
                byte[] bytes = new byte[random.nextInt(20)];
                random.nextBytes(bytes);
                packer.packBinaryHeader(bytes.length);
                packer.writePayload(bytes);
                break;
            }
            case 9: {
                byte[] bytes = new byte[random.nextInt(10)];
                random.nextBytes(bytes);
                packer.packExtensionTypeHeader((byte) random.nextInt(4), bytes.length);
                packer.writePayload(bytes);
                break;
            }
            case 10: {
                byte[] invalidUtf8 = {(byte) 0xc3, 0x28, 'a'};
                packer.packRawStringHeader(invalidUtf8.length);
                packer.writePayload(invalidUtf8);
                break;
            }
            case 11:
                packer.packLong(random.nextInt(200) - 100);
                break;
            case 12:
            case 13: {
                int size = random.nextInt(5);
                packer.packArrayHeader(size);
                for (int i = 0; i < size; i++) {
                    packRandom(packer, depth + 1);
                }
                break;
            }
            default: {
                int size = random.nextInt(4);
                packer.packMapHeader(size);
                for (int i = 0; i < size; i++) {
                    packRandom(packer, depth + 1);
                    packRandom(packer, depth + 1);
                }
                break;
            }
        }
    }

    private String randomText() {
        String alphabet = "abcdefgklmnprstuxyz:_-\u00e9\u4e2d";
        StringBuilder text = new StringBuilder(random.nextBoolean() ? "fuzz:" : "");
        int length = random.nextInt(9);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private byte[] mutate(byte[] template) {
        byte[] bytes = template.clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && bytes.length > 0; m++) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(5)) {
                case 0:
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                    break;
                case 1:
                    bytes[at] = (byte) random.nextInt(256);
                    break;
                case 2: {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                    break;
                }
                case 3: {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                    break;
                }
                default:
                    bytes = Arrays.copyOf(bytes, Math.max(1, at));
                    break;
            }
        }
        return bytes;
    }

    private static List<byte[]> validRequests(String token) {
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("fuzz:a", 1L);
        batch.put("fuzz:b", List.of("x", 2.5, true));
        return List.of(
                RawConnection.encode(1L, "hello", List.of(1L), token),
                RawConnection.encode(2L, "get", "fuzz:a"),
                RawConnection.encode(3L, "set", "fuzz:a", Map.of("n", 1L, "s", "text")),
                RawConnection.encode(4L, "incr", "fuzz:n", 5L),
                RawConnection.encode(5L, "decr", "fuzz:n", 1L),
                RawConnection.encode(6L, "delete", "fuzz:a"),
                RawConnection.encode(7L, "keys", "fuzz:"),
                RawConnection.encode(8L, "size"),
                RawConnection.encode(9L, "get_multi", List.of("fuzz:a", "fuzz:b")),
                RawConnection.encode(10L, "set_multi", batch),
                RawConnection.encode(11L, "cas", "fuzz:c", null, new byte[] {1, 2, 3}),
                RawConnection.encode(12L, "ping"),
                RawConnection.encode(13L, "set", "fuzz:big", new BigInteger("123456789012345678901234567890")));
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02x", b));
        }
        return out.toString();
    }
}
