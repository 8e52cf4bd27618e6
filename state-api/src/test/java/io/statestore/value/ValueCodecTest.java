package io.statestore.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ValueCodecTest {

    private static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    private static String rejection(byte[] data) {
        return assertThrows(IllegalArgumentException.class, () -> ValueCodec.decode(data)).getMessage();
    }

    @Test
    @DisplayName("the wire format is plain msgpack, as Python's msgpack writes it")
    void wireFormat() {
        assertArrayEquals(bytes(0xc0), ValueCodec.encode(null));
        assertArrayEquals(bytes(0xc3), ValueCodec.encode(true));
        assertArrayEquals(bytes(0x01), ValueCodec.encode(1L));
        assertArrayEquals(bytes(0xff), ValueCodec.encode(-1));
        assertArrayEquals(bytes(0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0), ValueCodec.encode(1.5));
        assertArrayEquals(bytes(0xa2, 'h', 'i'), ValueCodec.encode("hi"));
        assertArrayEquals(bytes(0xc4, 2, 7, 8), ValueCodec.encode(new byte[] {7, 8}));
        assertArrayEquals(bytes(0x92, 0x01, 0xa1, 'x'), ValueCodec.encode(List.of(1, "x")));
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("b", 2);
        map.put("a", 1);
        assertArrayEquals(bytes(0x82, 0xa1, 'b', 0x02, 0xa1, 'a', 0x01), ValueCodec.encode(map),
                "maps keep insertion order");
        // 2^64 is the ext type 1 with the two's-complement bytes 01 00 00 00 00 00 00 00 00.
        assertArrayEquals(bytes(0xc7, 9, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), ValueCodec.encode(BigInteger.TWO.pow(64)));
    }

    @Test
    @DisplayName("decoding reads what other msgpack writers produce: float 32, uint64, ext 1 in long range")
    void lenientReading() {
        assertEquals(1.5, ValueCodec.decode(bytes(0xca, 0x3f, 0xc0, 0, 0)));
        assertEquals(new BigInteger("18446744073709551615"),
                ValueCodec.decode(bytes(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)));
        assertEquals(Long.MAX_VALUE, ValueCodec.decode(bytes(0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)));
        assertEquals(5L, ValueCodec.decode(bytes(0xd4, 1, 5)), "a small big-integer ext decodes to Long");
        assertEquals(-1L, ValueCodec.decode(bytes(0xd4, 1, 0xff)));
        assertEquals("x", ValueCodec.decode(bytes(0xd9, 1, 'x')), "str 8");
    }

    @Test
    @DisplayName("decoded containers are unmodifiable and byte arrays fresh")
    void decodedContainers() {
        byte[] data = ValueCodec.encode(Map.of("l", List.of(new byte[] {1})));
        Map<?, ?> first = (Map<?, ?>) ValueCodec.decode(data);
        assertThrows(UnsupportedOperationException.class, first::clear);
        List<?> list = (List<?>) first.get("l");
        assertThrows(UnsupportedOperationException.class, () -> list.add(null));
        ((byte[]) list.get(0))[0] = 9;
        Map<?, ?> second = (Map<?, ?>) ValueCodec.decode(data);
        assertArrayEquals(bytes(1), (byte[]) ((List<?>) second.get("l")).get(0));
    }

    @Test
    @DisplayName("malformed msgpack is rejected: the never-used byte 0xc1, empty input")
    void malformed() {
        assertTrue(rejection(bytes(0xc1)).contains("msgpack"));
        assertTrue(rejection(new byte[0]).contains("msgpack"));
    }

    @Test
    @DisplayName("truncated data is rejected")
    void truncated() {
        rejection(bytes(0x92, 0x01));
        rejection(bytes(0xcb, 0x3f, 0xf8));
        rejection(bytes(0xa5, 'a', 'b'));
        rejection(bytes(0xc4, 3, 1));
        rejection(bytes(0x81, 0xa1, 'k'));
        rejection(bytes(0xcd, 0x01));
    }

    @Test
    @DisplayName("trailing bytes after the value are rejected, saying how many")
    void trailingBytes() {
        assertTrue(rejection(bytes(0x01, 0x02, 0x03)).contains("2 bytes after the value"));
    }

    @Test
    @DisplayName("ext types other than the big integer are rejected, the timestamp included")
    void otherExtTypes() {
        assertTrue(rejection(bytes(0xd4, 2, 0)).contains("ext type 2"));
        assertTrue(rejection(bytes(0xd6, 0xff, 0, 0, 0, 0)).contains("ext type -1"));
        assertTrue(rejection(bytes(0xc7, 0, 1)).contains("big integer ext with no bytes"));
    }

    @Test
    @DisplayName("strings that are not valid UTF-8 are rejected, never replaced; encoded surrogates too")
    void invalidUtf8() {
        assertTrue(rejection(bytes(0xa2, 0xc3, 0x28)).contains("UTF-8"));
        assertTrue(rejection(bytes(0xa1, 0xff)).contains("UTF-8"));
        assertTrue(rejection(bytes(0xa3, 0xed, 0xa0, 0x80)).contains("UTF-8"), "CESU surrogate");
        assertTrue(rejection(bytes(0x81, 0xa1, 0xff, 0x01)).contains("UTF-8"), "as a map key too");
    }

    @Test
    @DisplayName("hostile declared lengths are rejected before anything is allocated")
    void hostileLengths() {
        assertTrue(rejection(bytes(0xdd, 0x7f, 0xff, 0xff, 0xff)).contains("declares"), "array 32");
        assertTrue(rejection(bytes(0xdf, 0x7f, 0xff, 0xff, 0xff)).contains("declares"), "map 32");
        assertTrue(rejection(bytes(0xdb, 0x7f, 0xff, 0xff, 0xff)).contains("declares"), "str 32");
        assertTrue(rejection(bytes(0xc6, 0x7f, 0xff, 0xff, 0xff)).contains("declares"), "bin 32");
        assertTrue(rejection(bytes(0xc9, 0x7f, 0xff, 0xff, 0xff, 1)).contains("declares"), "ext 32");
        rejection(bytes(0xdd, 0xff, 0xff, 0xff, 0xff));
        rejection(bytes(0xdb, 0xff, 0xff, 0xff, 0xff));
        // Many hostile headers in a row: each one would ask for 2 GiB if trusted.
        ByteArrayOutputStream nested = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            nested.writeBytes(bytes(0xdd, 0x00, 0x00, 0xff, 0xff));
        }
        rejection(nested.toByteArray());
    }

    @Test
    @DisplayName("map keys that are containers, and duplicate map keys, are rejected on decode")
    void badMapKeys() {
        assertTrue(rejection(bytes(0x81, 0x91, 0x01, 0x01)).contains("map key"));
        assertTrue(rejection(bytes(0x81, 0x80, 0x01)).contains("map key"));
        assertTrue(rejection(bytes(0x81, 0xc4, 0x01, 0x01, 0x01)).contains("map key"));
        assertTrue(rejection(bytes(0x82, 0x01, 0xc0, 0x01, 0xc0)).contains("twice"));
    }

    @Test
    @DisplayName("nesting deeper than MAX_DEPTH is rejected on decode and on encode, without a StackOverflowError")
    void depth() {
        int limit = Values.MAX_DEPTH;
        byte[] atLimit = new byte[limit + 1];
        java.util.Arrays.fill(atLimit, 0, limit, (byte) 0x91);
        atLimit[limit] = 0x01;
        ValueCodec.decode(atLimit);
        byte[] tooDeep = new byte[100_000];
        java.util.Arrays.fill(tooDeep, (byte) 0x91);
        assertTrue(rejection(tooDeep).contains("deeper than " + limit));

        List<Object> deep = new ArrayList<>();
        List<Object> current = deep;
        for (int i = 0; i < limit; i++) {
            List<Object> inner = new ArrayList<>();
            current.add(inner);
            current = inner;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(deep));
        assertTrue(e.getMessage().contains("deeper than " + limit), e.getMessage());
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(cycle));
    }

    @Test
    @DisplayName("encode rejects values outside the value model, naming the type")
    void encodeRejects() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(new Date()))
                .getMessage().contains("java.util.Date"));
        assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(List.of(new Object())));
        assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode("\uD800"));
        Map<Object, Object> bytesKey = new HashMap<>();
        bytesKey.put(new byte[] {1}, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(bytesKey))
                .getMessage().contains("map key"));
    }

    @Test
    @DisplayName("encode rejects map keys that decode would reject: arrays, and keys equal once widened")
    void encodeRejectsWhatDecodeRejects() {
        Map<Object, Object> arrayKey = new HashMap<>();
        arrayKey.put(new int[] {1}, "v");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(arrayKey))
                .getMessage().contains("map key"));
        Map<Object, Object> widenedTwice = new LinkedHashMap<>();
        widenedTwice.put(1, "int");
        widenedTwice.put(1L, "long");
        assertThrows(IllegalArgumentException.class, () -> ValueCodec.encode(widenedTwice));
        Map<Object, Object> integerKeys = new LinkedHashMap<>();
        integerKeys.put(1, "int");
        integerKeys.put(BigInteger.TWO, "big");
        assertEquals(Map.of(1L, "int", 2L, "big"), ValueCodec.decode(ValueCodec.encode(integerKeys)));
    }
}
