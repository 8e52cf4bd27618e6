package io.statestore.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ValuesTest {

    private static List<Object> nestedLists(int depth) {
        List<Object> outer = new ArrayList<>();
        List<Object> current = outer;
        for (int i = 1; i < depth; i++) {
            List<Object> inner = new ArrayList<>();
            current.add(inner);
            current = inner;
        }
        current.add("bottom");
        return outer;
    }

    @Test
    @DisplayName("normalize widens integers to Long, floats to Double, arrays to List, and in-range BigInteger to Long")
    void normalizeWidens() {
        assertEquals(5L, Values.normalize(5));
        assertEquals(5L, Values.normalize((short) 5));
        assertEquals(5L, Values.normalize((byte) 5));
        assertEquals(5L, Values.normalize(BigInteger.valueOf(5)));
        assertEquals(0.5, Values.normalize(0.5f));
        assertEquals(List.of(1L, 2L), Values.normalize(new int[] {1, 2}));
        assertEquals(List.of(true), Values.normalize(new boolean[] {true}));
        assertEquals(List.of("a"), Values.normalize(new String[] {"a"}));
        BigInteger big = BigInteger.TWO.pow(63);
        assertSame(big, Values.normalize(big));
        assertNull(Values.normalize(null));
    }

    @Test
    @DisplayName("normalize keeps map insertion order and widens map keys")
    void normalizeMaps() {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("z", 1);
        map.put(2, "two");
        map.put(1.5f, null);
        map.put(null, true);
        Map<?, ?> normal = (Map<?, ?>) Values.normalize(map);
        assertEquals(Arrays.asList("z", 2L, 1.5, null), new ArrayList<>(normal.keySet()));
        assertEquals(1L, normal.get("z"));
    }

    @Test
    @DisplayName("normalize makes a deep copy: unmodifiable containers, fresh byte arrays")
    void normalizeCopies() {
        byte[] bytes = {1};
        List<Object> list = new ArrayList<>(List.of(new ArrayList<>(List.of(1))));
        list.add(bytes);
        List<?> normal = (List<?>) Values.normalize(list);
        assertThrows(UnsupportedOperationException.class, () -> normal.add(null));
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) normal.get(0)).clear());
        assertNotSame(bytes, normal.get(1));
        bytes[0] = 9;
        assertArrayEquals(new byte[] {1}, (byte[]) normal.get(1));
        Map<?, ?> map = (Map<?, ?>) Values.normalize(new HashMap<>(Map.of("k", 1)));
        assertThrows(UnsupportedOperationException.class, map::clear);
    }

    @Test
    @DisplayName("normalize rejects types outside the value model, naming the type and where it is")
    void normalizeRejects() {
        IllegalArgumentException date = assertThrows(IllegalArgumentException.class,
                () -> Values.normalize(Map.of("when", List.of(1, new Date()))));
        assertTrue(date.getMessage().contains("value[\"when\"][1] is a java.util.Date"), date.getMessage());
        IllegalArgumentException set = assertThrows(IllegalArgumentException.class,
                () -> Values.normalize(new TreeSet<>(List.of(1))));
        assertTrue(set.getMessage().contains("java.util.TreeSet") && set.getMessage().contains("pass a List"),
                set.getMessage());
        IllegalArgumentException chars = assertThrows(IllegalArgumentException.class,
                () -> Values.normalize(new char[] {'x'}));
        assertTrue(chars.getMessage().contains("char[]") && chars.getMessage().contains("pass a String"),
                chars.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(new StringBuilder("x")));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(new java.math.BigDecimal("1.5")));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(new Date[] {new Date()}));
    }

    @Test
    @DisplayName("normalize rejects map keys that are not scalars")
    void normalizeRejectsContainerKeys() {
        for (Object key : List.of(List.of(1), Map.of(), new byte[] {1}, new int[] {1}, new Date())) {
            Map<Object, Object> map = new HashMap<>();
            map.put(key, "v");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.normalize(map));
            assertTrue(e.getMessage().contains("map key"), e.getMessage());
        }
    }

    @Test
    @DisplayName("normalize rejects two map keys that become equal once widened")
    void duplicateKeysAfterWidening() {
        Object[][] pairs = {{1, 1L}, {(short) 1, (byte) 1}, {BigInteger.ONE, 1}, {1.5f, 1.5}};
        for (Object[] pair : pairs) {
            Map<Object, Object> map = new LinkedHashMap<>();
            map.put(pair[0], "first");
            map.put(pair[1], "second");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.normalize(map),
                    Arrays.toString(pair));
            assertTrue(e.getMessage().contains("two keys equal to"), e.getMessage());
        }
        Map<Object, Object> distinct = new LinkedHashMap<>();
        distinct.put(1, "integer");
        distinct.put(1.0, "float");
        distinct.put("1", "string");
        distinct.put(true, "boolean");
        assertEquals(4, ((Map<?, ?>) Values.normalize(distinct)).size(), "1, 1.0, \"1\" and true are distinct");
    }

    @Test
    @DisplayName("normalize accepts nesting up to MAX_DEPTH and rejects deeper")
    void depthLimit() {
        assertEquals(Values.MAX_DEPTH, depthOf(Values.normalize(nestedLists(Values.MAX_DEPTH))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Values.normalize(nestedLists(Values.MAX_DEPTH + 1)));
        assertTrue(e.getMessage().contains("deeper than " + Values.MAX_DEPTH), e.getMessage());
    }

    private static int depthOf(Object value) {
        int depth = 0;
        while (value instanceof List<?>) {
            depth++;
            value = ((List<?>) value).get(0);
        }
        return depth;
    }

    @Test
    @DisplayName("normalize rejects a cycle with IllegalArgumentException, not a StackOverflowError")
    void cycles() {
        List<Object> list = new ArrayList<>();
        list.add(list);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Values.normalize(list)).getMessage()
                .contains("cycle"));
        Map<String, Object> map = new HashMap<>();
        map.put("self", List.of(map));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(map));
        Object[] array = new Object[1];
        array[0] = array;
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(array));
    }

    @Test
    @DisplayName("strings and map keys with unpaired surrogates are rejected; pairs are accepted")
    void surrogates() {
        assertEquals("\uD83D\uDE00", Values.normalize("\uD83D\uDE00"));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize("\uD83D"));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize("\uDE00\uD83D"));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(List.of("ok", "x\uDC00")));
        assertThrows(IllegalArgumentException.class, () -> Values.normalize(Map.of("\uD800", 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Values.checkUnicode("ab\uD800", "name"));
        assertTrue(e.getMessage().startsWith("name holds an unpaired surrogate (\\ud800) at index 2"), e.getMessage());
    }

    @Test
    @DisplayName("equal: maps regardless of order, byte[] by content, NaN equals NaN, integers never equal doubles")
    void equality() {
        Map<Object, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1L);
        ab.put("b", List.of(new byte[] {1}));
        Map<Object, Object> ba = new LinkedHashMap<>();
        ba.put("b", List.of(new byte[] {1}));
        ba.put("a", 1L);
        assertTrue(Values.equal(ab, ba));
        assertTrue(Values.equal(new byte[] {1, 2}, new byte[] {1, 2}));
        assertFalse(Values.equal(new byte[] {1, 2}, new byte[] {2, 1}));
        assertTrue(Values.equal(Double.NaN, Double.NaN));
        assertFalse(Values.equal(0.0, -0.0));
        assertFalse(Values.equal(1L, 1.0));
        assertFalse(Values.equal(List.of(1L), List.of(1L, 2L)));
        assertFalse(Values.equal(List.of(1L, 2L), List.of(2L, 1L)), "lists keep order");
        assertFalse(Values.equal(Map.of("a", 1L), Map.of("b", 1L)));
        assertFalse(Values.equal(Map.of("a", 1L), Map.of("a", 2L)));
        Map<Object, Object> nullValue = new HashMap<>();
        nullValue.put("a", null);
        assertFalse(Values.equal(nullValue, Map.of("b", 1L)));
        assertTrue(Values.equal(null, null));
        assertFalse(Values.equal(null, 1L));
        assertFalse(Values.equal(List.of(), Map.of()));
        assertFalse(Values.equal(new byte[0], List.of()));
    }

    @Test
    @DisplayName("copyOut copies byte arrays, also nested, and returns byte-free values as they are")
    void copyOut() {
        byte[] bytes = {1};
        byte[] copy = (byte[]) Values.copyOut(bytes);
        assertNotSame(bytes, copy);
        assertArrayEquals(bytes, copy);
        Object normal = Values.normalize(Map.of("k", List.of(new byte[] {2})));
        Object out = Values.copyOut(normal);
        assertTrue(Values.equal(normal, out));
        byte[] inner = (byte[]) ((List<?>) ((Map<?, ?>) out).get("k")).get(0);
        inner[0] = 9;
        assertTrue(Values.equal(Values.normalize(Map.of("k", List.of(new byte[] {2}))), normal));
        Object noBytes = Values.normalize(List.of(1, "a", Map.of("x", 2.0)));
        assertSame(noBytes, Values.copyOut(noBytes));
        assertFalse(Values.containsBytes(noBytes));
        assertTrue(Values.containsBytes(normal));
    }

    @Test
    @DisplayName("typeName names the value-model type, or the Java type for anything else")
    void typeNames() {
        assertEquals("null", Values.typeName(null));
        assertEquals("boolean", Values.typeName(true));
        assertEquals("integer", Values.typeName(1));
        assertEquals("integer", Values.typeName(BigInteger.TEN));
        assertEquals("float", Values.typeName(1f));
        assertEquals("string", Values.typeName(""));
        assertEquals("bytes", Values.typeName(new byte[0]));
        assertEquals("list", Values.typeName(new int[0]));
        assertEquals("map", Values.typeName(Map.of()));
        assertEquals("java.util.Date", Values.typeName(new Date()));
    }
}
