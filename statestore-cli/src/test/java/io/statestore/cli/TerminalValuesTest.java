package io.statestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How the terminal commands read typed values and print stored ones. */
class TerminalValuesTest {

    @Test
    @DisplayName("typed text becomes an integer, a float, a boolean or else a string; --string keeps text")
    void parse() {
        assertEquals(42L, TerminalValues.parse("42", false));
        assertNull(TerminalValues.parse("null", false));
        assertEquals("null", TerminalValues.parse("null", true));
        assertEquals(-7L, TerminalValues.parse("-7", false));
        assertEquals(5L, TerminalValues.parse("+5", false));
        assertEquals(new BigInteger("-99999999999999999999"), TerminalValues.parse("-99999999999999999999", false));
        assertEquals(Long.MAX_VALUE, TerminalValues.parse(Long.toString(Long.MAX_VALUE), false));
        assertEquals(1.5, TerminalValues.parse("1.5", false));
        assertEquals(2000.0, TerminalValues.parse("2e3", false));
        assertEquals(0.5, TerminalValues.parse(".5", false));
        assertEquals(true, TerminalValues.parse("true", false));
        assertEquals(false, TerminalValues.parse("false", false));
        assertEquals("True", TerminalValues.parse("True", false));
        assertEquals("NaN", TerminalValues.parse("NaN", false), "only decimal literals are floats");
        assertEquals("1.2.3", TerminalValues.parse("1.2.3", false));
        assertEquals("", TerminalValues.parse("", false));
        assertEquals("42", TerminalValues.parse("42", true));
        assertEquals("true", TerminalValues.parse("true", true));
    }

    @Test
    @DisplayName("a top-level string prints raw; containers print as JSON with escapes; bytes as base64")
    void format() {
        assertEquals("plain \"text\"", TerminalValues.format("plain \"text\""));
        assertEquals("42", TerminalValues.format(42L));
        assertEquals("NaN", TerminalValues.format(Double.NaN));
        assertEquals("base64:AAH/", TerminalValues.format(new byte[] {0, 1, (byte) 0xff}));
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("line", "a\nb\t\"c\"\\");
        map.put(1L, Arrays.asList(null, true, -Double.POSITIVE_INFINITY, new BigInteger("18446744073709551616")));
        map.put("nested", Map.of("k", List.of()));
        assertEquals("{\"line\": \"a\\nb\\t\\\"c\\\"\\\\\", \"1\": [null, true, -Infinity, 18446744073709551616],"
                + " \"nested\": {\"k\": []}}", TerminalValues.format(map));
        assertEquals("[\"\\u0001\"]", TerminalValues.format(List.of("\u0001")));
    }
}
