package io.statestore.value;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value model: which Java objects are values, their normal form, and value equality.
 *
 * <p>The normal form is what every store keeps and returns: {@code null} (inside containers only),
 * {@code Boolean}, {@code Long}, {@code BigInteger} outside the long range, {@code Double}, {@code String}
 * (valid Unicode), {@code byte[]}, an unmodifiable {@code List} and an unmodifiable insertion-ordered
 * {@code Map} whose keys are {@code null}, {@code Boolean}, {@code Long}, {@code BigInteger},
 * {@code Double} or {@code String}. {@link #normalize(Object)} turns any accepted value into that form
 * as a deep copy that shares nothing mutable with its argument.
 */
public final class Values {

    /** How deep lists and maps may nest; deeper input is rejected rather than risking the stack. */
    public static final int MAX_DEPTH = 512;

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Values() {
    }

    /**
     * Returns the normal form of a value as a deep copy.
     *
     * @param value a value of the value model; {@code null} is returned as {@code null}
     * @return the normal form, sharing nothing mutable with {@code value}
     * @throws IllegalArgumentException if the value, or anything inside it, is outside the value model;
     *                                  the message names the type and where it was found
     */
    public static Object normalize(Object value) {
        try {
            return normalize(value, 0);
        } catch (Problem problem) {
            throw new IllegalArgumentException("value" + problem.where() + problem.detail);
        }
    }

    /**
     * A value outside the model, found somewhere inside a value. Where it was is gathered as the problem
     * travels up, so the common case, a valid value, builds no path strings at all.
     */
    private static final class Problem extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ArrayDeque<String> path = new ArrayDeque<>();
        private final String detail;

        Problem(String detail) {
            super(detail, null, false, false);
            this.detail = detail;
        }

        Problem at(String segment) {
            path.addFirst(segment);
            return this;
        }

        String where() {
            return String.join("", path);
        }
    }

    private static Object normalize(Object value, int depth) {
        if (value == null || value instanceof Boolean || value instanceof Long || value instanceof Double) {
            return value;
        }
        if (value instanceof String) {
            String text = (String) value;
            int surrogate = unpairedSurrogateIndex(text);
            if (surrogate >= 0) {
                throw new Problem(unpairedSurrogateDetail(text, surrogate));
            }
            return text;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float) {
            return ((Float) value).doubleValue();
        }
        if (value instanceof BigInteger) {
            return normalizeInteger((BigInteger) value);
        }
        if (value instanceof byte[]) {
            return ((byte[]) value).clone();
        }
        if (depth >= MAX_DEPTH) {
            throw new Problem(" nests lists and maps deeper than " + MAX_DEPTH + " levels (is there a cycle?)");
        }
        if (value instanceof Collection<?>) {
            Collection<?> source = (Collection<?>) value;
            if (!(value instanceof List<?>)) {
                throw unsupported(value, "a " + value.getClass().getTypeName()
                        + " has no order a Python list would keep; pass a List");
            }
            List<Object> copy = new ArrayList<>(source.size());
            int index = 0;
            for (Object element : source) {
                try {
                    copy.add(normalize(element, depth + 1));
                } catch (Problem problem) {
                    throw problem.at("[" + index + "]");
                }
                index++;
            }
            return Collections.unmodifiableList(copy);
        }
        if (value instanceof Map<?, ?>) {
            Map<?, ?> source = (Map<?, ?>) value;
            Map<Object, Object> copy = new LinkedHashMap<>(Math.max(4, source.size() * 4 / 3 + 1));
            for (Map.Entry<?, ?> entry : source.entrySet()) {
                Object key = normalizeMapKey(entry.getKey());
                if (copy.containsKey(key)) {
                    throw new Problem(" has two keys equal to " + describeScalar(key)
                            + " once integers are widened to long and floats to double");
                }
                try {
                    copy.put(key, normalize(entry.getValue(), depth + 1));
                } catch (Problem problem) {
                    throw problem.at("[" + describeScalar(key) + "]");
                }
            }
            return Collections.unmodifiableMap(copy);
        }
        if (value.getClass().isArray()) {
            if (value instanceof char[]) {
                throw unsupported(value, "pass a String");
            }
            int length = Array.getLength(value);
            List<Object> copy = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
                try {
                    copy.add(normalize(Array.get(value, i), depth + 1));
                } catch (Problem problem) {
                    throw problem.at("[" + i + "]");
                }
            }
            return Collections.unmodifiableList(copy);
        }
        throw unsupported(value, null);
    }

    private static Object normalizeMapKey(Object key) {
        if (key == null || key instanceof String || key instanceof Boolean || key instanceof Long
                || key instanceof Integer || key instanceof Short || key instanceof Byte || key instanceof BigInteger
                || key instanceof Double || key instanceof Float) {
            try {
                return normalize(key, 0);
            } catch (Problem problem) {
                throw problem.at(" key");
            }
        }
        throw new Problem(" has a map key of type " + key.getClass().getTypeName()
                + "; map keys must be strings, integers, floats, booleans or null");
    }

    /**
     * Returns an integer in normal form: a {@code Long} when it fits, else the {@code BigInteger}.
     *
     * @param value an integer
     * @return {@code Long} or {@code BigInteger}
     */
    public static Object normalizeInteger(BigInteger value) {
        if (value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0) {
            return value.longValue();
        }
        return value;
    }

    /**
     * Checks that a string is valid Unicode: msgpack and Python cannot carry an unpaired surrogate, and
     * replacing it would silently change the value.
     *
     * @param text the string
     * @param what how to name the string in the message, for example {@code "key"}
     * @return {@code text}
     * @throws IllegalArgumentException at the first unpaired surrogate
     */
    public static String checkUnicode(String text, String what) {
        int surrogate = unpairedSurrogateIndex(text);
        if (surrogate >= 0) {
            throw unpairedSurrogate(what, text, surrogate);
        }
        return text;
    }

    static int unpairedSurrogateIndex(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    static IllegalArgumentException unpairedSurrogate(String what, String text, int index) {
        return new IllegalArgumentException(what + unpairedSurrogateDetail(text, index));
    }

    private static String unpairedSurrogateDetail(String text, int index) {
        return " holds an unpaired surrogate (\\u" + Integer.toHexString(text.charAt(index)) + ") at index " + index
                + "; only valid Unicode can be stored";
    }

    /**
     * Tells whether a normal-form value holds a {@code byte[]} anywhere, that is, whether handing it out
     * needs {@link #copyOut(Object)}.
     *
     * @param normal a value in normal form
     * @return {@code true} if a byte array is inside
     */
    public static boolean containsBytes(Object normal) {
        if (normal instanceof byte[]) {
            return true;
        }
        if (normal instanceof List<?>) {
            for (Object element : (List<?>) normal) {
                if (containsBytes(element)) {
                    return true;
                }
            }
        } else if (normal instanceof Map<?, ?>) {
            for (Object element : ((Map<?, ?>) normal).values()) {
                if (containsBytes(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Returns a normal-form value that is safe to give a caller: the same object when nothing inside is
     * mutable, else a copy with fresh byte arrays (lists and maps of the normal form are unmodifiable).
     *
     * @param normal a value in normal form
     * @return a value the caller may keep and change without effect on the original
     */
    public static Object copyOut(Object normal) {
        if (normal instanceof byte[]) {
            return ((byte[]) normal).clone();
        }
        if (!containsBytes(normal)) {
            return normal;
        }
        if (normal instanceof List<?>) {
            List<?> source = (List<?>) normal;
            List<Object> copy = new ArrayList<>(source.size());
            for (Object element : source) {
                copy.add(copyOut(element));
            }
            return Collections.unmodifiableList(copy);
        }
        Map<?, ?> source = (Map<?, ?>) normal;
        Map<Object, Object> copy = new LinkedHashMap<>(source.size() * 4 / 3 + 1);
        for (Map.Entry<?, ?> entry : source.entrySet()) {
            copy.put(entry.getKey(), copyOut(entry.getValue()));
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Value-model equality of two normal-form values: maps regardless of order, {@code byte[]} by content,
     * doubles as {@link Double#equals} (NaN equals NaN, {@code 0.0} differs from {@code -0.0}), and an
     * integer never equals a double.
     *
     * @param a a value in normal form, or {@code null}
     * @param b a value in normal form, or {@code null}
     * @return {@code true} if they are the same value
     */
    public static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof byte[] && b instanceof byte[]) {
            return Arrays.equals((byte[]) a, (byte[]) b);
        }
        if (a instanceof List<?> && b instanceof List<?>) {
            List<?> left = (List<?>) a;
            List<?> right = (List<?>) b;
            if (left.size() != right.size()) {
                return false;
            }
            Iterator<?> r = right.iterator();
            for (Object element : left) {
                if (!equal(element, r.next())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> && b instanceof Map<?, ?>) {
            Map<?, ?> left = (Map<?, ?>) a;
            Map<?, ?> right = (Map<?, ?>) b;
            if (left.size() != right.size()) {
                return false;
            }
            for (Map.Entry<?, ?> entry : left.entrySet()) {
                if (!right.containsKey(entry.getKey()) || !equal(entry.getValue(), right.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * Names the value-model type of a value, as messages and both languages call it.
     *
     * @param value a value, possibly outside the model
     * @return {@code "null"}, {@code "boolean"}, {@code "integer"}, {@code "float"}, {@code "string"},
     *         {@code "bytes"}, {@code "list"}, {@code "map"}, or the Java class name for anything else
     */
    public static String typeName(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return "integer";
        }
        if (value instanceof Double || value instanceof Float) {
            return "float";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof byte[]) {
            return "bytes";
        }
        if (value instanceof List<?> || value.getClass().isArray()) {
            return "list";
        }
        if (value instanceof Map<?, ?>) {
            return "map";
        }
        return value.getClass().getTypeName();
    }

    private static String describeScalar(Object key) {
        return key instanceof String ? "\"" + Keys.excerpt((String) key) + "\"" : String.valueOf(key);
    }

    private static Problem unsupported(Object value, String hint) {
        return new Problem(" is a " + value.getClass().getTypeName()
                + ", which is not a storable value (storable: null inside containers, Boolean, Long/Integer/"
                + "Short/Byte, BigInteger, Double/Float, String, byte[], List or array, Map with scalar keys)"
                + (hint == null ? "" : "; " + hint));
    }
}
