package io.statestore.cli;

import java.math.BigInteger;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How the terminal commands read and print values.
 *
 * <p>Reading ({@code set}): an integer literal becomes an integer (of any size), a decimal literal with a
 * point or an exponent a float, {@code true}/{@code false} a boolean, {@code null} is null (which the
 * store takes as "remove the key", as everywhere else), anything else a string as typed; {@code --string}
 * keeps it a string whatever it looks like.
 *
 * <p>Printing: a top-level string as it is (so scripts get the raw text), numbers and booleans as literals,
 * lists and maps in JSON form (strings quoted and escaped), bytes as {@code base64:...} (quoted inside
 * containers), floats NaN and infinities as {@code NaN}, {@code Infinity}, {@code -Infinity}.
 */
final class TerminalValues {

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern FLOAT = Pattern.compile("[+-]?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?");

    private TerminalValues() {
    }

    static Object parse(String text, boolean forceString) {
        if (forceString) {
            return text;
        }
        if (INTEGER.matcher(text).matches()) {
            return normalInteger(new BigInteger(text.startsWith("+") ? text.substring(1) : text));
        }
        if (FLOAT.matcher(text).matches()) {
            return Double.parseDouble(text);
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.valueOf(text);
        }
        if (text.equals("null")) {
            return null;
        }
        return text;
    }

    private static Object normalInteger(BigInteger value) {
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    static String format(Object value) {
        if (value instanceof String) {
            return (String) value;
        }
        if (value instanceof byte[]) {
            return "base64:" + Base64.getEncoder().encodeToString((byte[]) value);
        }
        StringBuilder out = new StringBuilder();
        append(out, value);
        return out.toString();
    }

    private static void append(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String) {
            quote(out, (String) value);
        } else if (value instanceof byte[]) {
            quote(out, "base64:" + Base64.getEncoder().encodeToString((byte[]) value));
        } else if (value instanceof Double) {
            double d = (Double) value;
            out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : Double.toString(d));
        } else if (value instanceof List<?>) {
            out.append('[');
            Iterator<?> elements = ((List<?>) value).iterator();
            while (elements.hasNext()) {
                append(out, elements.next());
                if (elements.hasNext()) {
                    out.append(", ");
                }
            }
            out.append(']');
        } else if (value instanceof Map<?, ?>) {
            out.append('{');
            Iterator<? extends Map.Entry<?, ?>> entries = ((Map<?, ?>) value).entrySet().iterator();
            while (entries.hasNext()) {
                Map.Entry<?, ?> entry = entries.next();
                Object key = entry.getKey();
                // JSON keys are strings; a non-string key is printed as its literal, quoted.
                quote(out, key instanceof String ? (String) key : format(key));
                out.append(": ");
                append(out, entry.getValue());
                if (entries.hasNext()) {
                    out.append(", ");
                }
            }
            out.append('}');
        } else {
            out.append(value);
        }
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
