package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.value.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Carries out one request's op on the store: the table of ops in the protocol, argument checks included. */
final class RequestHandler {

    /** A request the server refuses with a given code, before the store sees it. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final ErrorCode code;

        Refusal(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private final StateStore store;

    RequestHandler(StateStore store) {
        this.store = store;
    }

    /**
     * Runs an op.
     *
     * @return the result to send
     * @throws Refusal                   for an unknown op or wrong arguments
     * @throws RuntimeException          whatever the store throws, mapped by the caller
     */
    Object handle(String op, List<Object> args) {
        switch (op) {
            case "get":
                arity(op, args, 1, 1, "key");
                return store.fetch(key(op, args, 0)).orElse(null);
            case "set":
                arity(op, args, 2, 2, "key, value");
                store.store(key(op, args, 0), args.get(1));
                return null;
            case "incr":
                arity(op, args, 1, 2, "key, amount");
                return store.incr(key(op, args, 0), amount(op, args));
            case "decr":
                arity(op, args, 1, 2, "key, amount");
                return store.decr(key(op, args, 0), amount(op, args));
            case "delete":
                arity(op, args, 1, 1, "key");
                return store.remove(key(op, args, 0));
            case "ping":
                arity(op, args, 0, 0, "");
                return null;
            case "keys":
                arity(op, args, 0, 1, "prefix");
                return new ArrayList<>(store.keys(prefix(op, args)));
            case "clear":
                arity(op, args, 0, 0, "");
                store.clear();
                return null;
            case "size":
                arity(op, args, 0, 0, "");
                return store.size();
            case "get_multi":
                arity(op, args, 1, 1, "list of keys");
                return store.fetchAll(keyList(op, args.get(0)));
            case "set_multi":
                arity(op, args, 1, 1, "map of key to value");
                store.storeAll(entries(op, args.get(0)));
                return null;
            case "cas":
                arity(op, args, 3, 3, "key, expected, update");
                return store.compareAndSet(key(op, args, 0), args.get(1), args.get(2));
            default:
                throw new Refusal(ErrorCode.UNKNOWN_OP, "unknown op \"" + excerpt(op) + "\"; this server knows "
                        + "hello, ping, get, set, delete, keys, clear, size, incr, decr, get_multi, set_multi, cas");
        }
    }

    private static void arity(String op, List<Object> args, int min, int max, String names) {
        int count = args.size();
        if (count < min || count > max) {
            String expected = min == max ? String.valueOf(min) : min + " or " + max;
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\" takes " + expected
                    + (max == 1 ? " argument" : " arguments") + (names.isEmpty() ? "" : " (" + names + ")")
                    + "; got " + count);
        }
    }

    private static String key(String op, List<Object> args, int index) {
        Object key = args.get(index);
        if (!(key instanceof String)) {
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\": the key must be a string, got "
                    + Values.typeName(key));
        }
        return (String) key;
    }

    private static long amount(String op, List<Object> args) {
        if (args.size() < 2) {
            return 1;
        }
        Object amount = args.get(1);
        if (!(amount instanceof Long)) {
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\": the amount must be a 64-bit integer,"
                    + " got " + (amount instanceof java.math.BigInteger ? "an integer outside the 64-bit range"
                    : Values.typeName(amount)));
        }
        return (Long) amount;
    }

    private static String prefix(String op, List<Object> args) {
        Object prefix = args.isEmpty() ? null : args.get(0);
        if (prefix == null) {
            return "";
        }
        if (!(prefix instanceof String)) {
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\": the prefix must be a string or nil,"
                    + " got " + Values.typeName(prefix));
        }
        return (String) prefix;
    }

    private static List<String> keyList(String op, Object argument) {
        if (!(argument instanceof List<?>)) {
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\" takes a list of keys, got "
                    + Values.typeName(argument));
        }
        List<?> list = (List<?>) argument;
        List<String> keys = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object key = list.get(i);
            if (!(key instanceof String)) {
                throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\": key " + i
                        + " of the list must be a string, got " + Values.typeName(key));
            }
            keys.add((String) key);
        }
        return keys;
    }

    private static Map<String, Object> entries(String op, Object argument) {
        if (!(argument instanceof Map<?, ?>)) {
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\" takes a map of key to value, got "
                    + Values.typeName(argument));
        }
        Map<?, ?> map = (Map<?, ?>) argument;
        Map<String, Object> entries = new LinkedHashMap<>(map.size() * 4 / 3 + 1);
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String)) {
                throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op + "\": every key must be a string, got "
                        + Values.typeName(entry.getKey()) + " " + entry.getKey() + "; nothing was written");
            }
            entries.put((String) entry.getKey(), entry.getValue());
        }
        return entries;
    }

    static String excerpt(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
