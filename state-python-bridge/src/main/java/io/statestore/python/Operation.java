package io.statestore.python;

import io.statestore.StateStore;
import io.statestore.value.Values;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The bridge protocol's operations, each defined once: its name on the wire, its arguments (name, kind, whether
 * it may be left out), what it returns, and what it does to the store. The server dispatches requests by this
 * table and refuses wrong arguments by it ({@link #run}); {@link BridgeClient} names its requests by it.
 * docs/protocol.md's table of ops and the Python package's ({@code statestore.protocol}) must say the same;
 * {@code ProtocolDriftTest} fails when they do not.
 *
 * <p>Adding an op: a constant here (with the {@link StateStore} method behind it), a command in the Python
 * package's {@code commands.py} and its protocol table, and a row in docs/protocol.md.
 */
enum Operation {

    /** Opens a connection: answered by the connection itself ({@link BridgeConnection}), never dispatched. */
    HELLO("hello", "map: version, server, max_frame", Argument.required("versions", Kind.VERSIONS),
            Argument.required("token", Kind.TOKEN)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            throw new IllegalStateException("hello is answered by the connection");
        }
    },
    PING("ping", "nil") {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return null;
        }
    },
    SET("set", "nil; storing nil removes the key", Argument.required("key", Kind.KEY),
            Argument.required("value", Kind.VALUE), Argument.optional("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            store.store(request.key(0), request.value(1), request.ttl(2));
            return null;
        }
    },
    GET("get", "the value, or nil when the key is absent", Argument.required("key", Kind.KEY)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.fetch(request.key(0)).orElse(null);
        }
    },
    DELETE("delete", "bool: whether something was removed", Argument.required("key", Kind.KEY)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.remove(request.key(0));
        }
    },
    KEYS("keys", "list of str, in no particular order", Argument.optional("prefix", Kind.PREFIX)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return new ArrayList<>(store.keys(request.prefix(0)));
        }
    },
    CLEAR("clear", "nil") {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            store.clear();
            return null;
        }
    },
    SIZE("size", "int") {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.size();
        }
    },
    INCR("incr", "int: the new value; an absent (or expired) key counts as 0 and, when created, expires after ttl",
            Argument.required("key", Kind.KEY), Argument.optional("amount", Kind.AMOUNT),
            Argument.optional("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.incr(request.key(0), request.amount(1), request.ttl(2));
        }
    },
    DECR("decr", "int: the new value", Argument.required("key", Kind.KEY), Argument.optional("amount", Kind.AMOUNT),
            Argument.optional("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.decr(request.key(0), request.amount(1), request.ttl(2));
        }
    },
    GET_MULTI("get_multi", "map key -> value for the keys present, in the order asked",
            Argument.required("keys", Kind.KEY_LIST)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.fetchAll(request.keyList(0));
        }
    },
    SET_MULTI("set_multi", "nil; the whole batch is checked first, one bad entry writes nothing",
            Argument.required("entries", Kind.ENTRIES), Argument.optional("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            store.storeAll(request.entries(0), request.ttl(1));
            return null;
        }
    },
    CAS("cas", "bool: whether the value matched and was replaced", Argument.required("key", Kind.KEY),
            Argument.required("expected", Kind.VALUE), Argument.required("update", Kind.VALUE),
            Argument.optional("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.compareAndSet(request.key(0), request.value(1), request.value(2), request.ttl(3));
        }
    },
    EXPIRE("expire", "bool: whether the key was present (and now expires after ttl)", Argument.required("key", Kind.KEY),
            Argument.required("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.expire(request.key(0), request.requiredTtl(1));
        }
    },
    PERSIST("persist", "bool: whether the key was present with an expiry, now removed", Argument.required("key", Kind.KEY)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.persist(request.key(0));
        }
    },
    TTL("ttl", "float: the seconds the key has left, or nil when it is absent or has no expiry",
            Argument.required("key", Kind.KEY)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return store.timeToLive(request.key(0)).map(left -> left.toNanos() / 1e9).orElse(null);
        }
    },
    WATCH(Protocol.WATCH_VERSION, "watch", "int: the subscription; its events follow in push frames (version 2)",
            Argument.optional("prefix", Kind.PREFIX)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return session.watch(request.prefix(0));
        }
    },
    UNWATCH(Protocol.WATCH_VERSION, "unwatch", "bool: whether the subscription was open (version 2)",
            Argument.required("subscription", Kind.SUBSCRIPTION)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return session.unwatch(request.subscription(0));
        }
    },
    ACQUIRE("acquire", "list: [lease, fencing token]; the lease ends with the connection",
            Argument.required("name", Kind.KEY), Argument.required("permits", Kind.PERMITS),
            Argument.required("ttl", Kind.TTL), Argument.optional("wait", Kind.WAIT)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return session.acquire(request.key(0), request.permits(1), request.requiredTtl(2), request.wait(3));
        }
    },
    EXTEND("extend", "bool: whether the lease was held (and now ends after ttl)", Argument.required("lease", Kind.LEASE),
            Argument.required("ttl", Kind.TTL)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return session.extend(request.lease(0), request.requiredTtl(1));
        }
    },
    RELEASE("release", "bool: whether the lease was held until now", Argument.required("lease", Kind.LEASE)) {
        @Override
        Object execute(StateStore store, Session session, Request request) {
            return session.release(request.lease(0));
        }
    };

    /** What an op may need of the connection it came on, besides the store. */
    interface Session {
        /** The protocol version the connection's hello chose. */
        long version();

        /** Starts a subscription to the keys under {@code prefix}; answers its id. */
        long watch(String prefix);

        /** Ends a subscription; answers whether it was open. */
        boolean unwatch(long subscription);

        /** Takes a permit for the connection; answers [lease, fencing token]. */
        List<Long> acquire(String name, int permits, Duration ttl, Duration wait);

        /** Extends a lease of the connection; answers whether it was held. */
        boolean extend(long lease, Duration ttl);

        /** Releases a lease of the connection; answers whether it was held. */
        boolean release(long lease);
    }

    /** What an argument must be. */
    enum Kind {
        /** A string; the store checks it further (non-empty, valid Unicode, length). */
        KEY("str"),
        /** Any value of the value model, nil included. */
        VALUE("any value"),
        /** A signed 64-bit integer; 1 when left out. */
        AMOUNT("int64"),
        /** Seconds, an int or a float, positive; no expiry when an optional one is nil or left out. */
        TTL("positive seconds, int or float"),
        /** A string or nil; every key when nil or left out. */
        PREFIX("str or nil"),
        /** A list of strings. */
        KEY_LIST("list of str"),
        /** A map from strings to values. */
        ENTRIES("map str -> value"),
        /** A list of integers: the protocol versions a client speaks. */
        VERSIONS("list of int"),
        /** A string: the bridge's token. */
        TOKEN("str"),
        /** An integer: a subscription's id, as {@code watch} answered it. */
        SUBSCRIPTION("int"),
        /** An integer, at least 1: how many may hold a semaphore at once. */
        PERMITS("int, at least 1"),
        /** Seconds to wait, an int or a float, zero or more; as long as it takes when nil or left out. */
        WAIT("seconds, int or float, or nil"),
        /** An integer: a lease of the connection, as {@code acquire} answered it. */
        LEASE("int");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        /** How docs/protocol.md describes the kind. */
        String description() {
            return description;
        }
    }

    /** One argument: its name in the protocol's documents, its kind, and whether a request may leave it out. */
    record Argument(String name, Kind kind, boolean optional) {

        static Argument required(String name, Kind kind) {
            return new Argument(name, kind, false);
        }

        static Argument optional(String name, Kind kind) {
            return new Argument(name, kind, true);
        }
    }

    /** The longest time to live a request may give: about 292 years, the most a Duration of nanoseconds holds. */
    static final double MAX_TTL_SECONDS = Long.MAX_VALUE / 1e9;

    private static final Map<String, Operation> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Operation::wireName, op -> op));

    private final long since;
    private final String wireName;
    private final String result;
    private final List<Argument> arguments;
    private final int required;

    Operation(String wireName, String result, Argument... arguments) {
        this(1, wireName, result, arguments);
    }

    Operation(long since, String wireName, String result, Argument... arguments) {
        this.since = since;
        this.wireName = wireName;
        this.result = result;
        this.arguments = List.of(arguments);
        this.required = (int) this.arguments.stream().filter(argument -> !argument.optional()).count();
    }

    /** The op's name on the wire. */
    String wireName() {
        return wireName;
    }

    /** The op's arguments, in order. */
    List<Argument> arguments() {
        return arguments;
    }

    /** What the op returns, as docs/protocol.md says it. */
    String result() {
        return result;
    }

    /**
     * Finds an op by its name on the wire.
     *
     * @return the op, or {@code null} if the protocol has none of that name
     */
    static Operation named(String wireName) {
        return BY_WIRE_NAME.get(wireName);
    }

    /** The names of every op, for a message. */
    static String names() {
        return Arrays.stream(values()).map(Operation::wireName).collect(Collectors.joining(", "));
    }

    /**
     * Checks a request's arguments against this op's and carries it out on the store.
     *
     * @return the result to send
     * @throws Refusal          for a wrong number or kind of arguments
     * @throws RuntimeException whatever the store throws
     */
    final Object run(StateStore store, Session session, List<Object> args) {
        if (session.version() < since()) {
            throw new Refusal(ErrorCode.UNKNOWN_OP, "op \"" + wireName + "\" needs protocol version " + since()
                    + "; this connection said hello with version " + session.version());
        }
        int count = args.size();
        if (count < required || count > arguments.size()) {
            String expected = required == arguments.size() ? String.valueOf(required)
                    : required + " to " + arguments.size();
            throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + wireName + "\" takes " + expected
                    + (arguments.size() == 1 ? " argument" : " arguments")
                    + (arguments.isEmpty() ? "" : " (" + arguments.stream().map(Argument::name)
                    .collect(Collectors.joining(", ")) + ")") + "; got " + count);
        }
        return execute(store, session, new Request(this, args));
    }

    /** The first protocol version with this op. */
    long since() {
        return since;
    }

    abstract Object execute(StateStore store, Session session, Request request);

    /** A request the server refuses with a given code, before the store sees it. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final ErrorCode code;

        Refusal(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** A request's arguments, read as their kinds say, each wrong one refused naming the op and the argument. */
    static final class Request {
        private final Operation op;
        private final List<Object> args;

        Request(Operation op, List<Object> args) {
            this.op = op;
            this.args = args;
        }

        private Object at(int index) {
            return index < args.size() ? args.get(index) : null;
        }

        private Refusal wrong(int index, String expected, Object got) {
            return new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op.wireName + "\": " + op.arguments.get(index).name()
                    + " must be " + expected + ", got " + describe(got));
        }

        private static String describe(Object value) {
            return value instanceof BigInteger ? "an integer outside the 64-bit range" : Values.typeName(value);
        }

        String key(int index) {
            Object key = at(index);
            if (!(key instanceof String)) {
                throw wrong(index, "a string", key);
            }
            return (String) key;
        }

        Object value(int index) {
            return at(index);
        }

        long amount(int index) {
            if (index >= args.size()) {
                return 1;
            }
            Object amount = args.get(index);
            if (!(amount instanceof Long)) {
                throw wrong(index, "a 64-bit integer", amount);
            }
            return (Long) amount;
        }

        /** A number of seconds, an int or a float. */
        private double seconds(int index, Object value) {
            if (value instanceof Long whole) {
                return whole;
            }
            if (value instanceof Double fraction) {
                return fraction;
            }
            throw wrong(index, "a number of seconds or nil", value);
        }

        /** A time to live in seconds; {@code null} when nil or left out. */
        Duration ttl(int index) {
            Object ttl = at(index);
            if (ttl == null) {
                return null;
            }
            double seconds = seconds(index, ttl);
            if (!(seconds > 0) || seconds > MAX_TTL_SECONDS) {
                throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op.wireName + "\": ttl " + ttl
                        + " must be a positive number of seconds, at most " + (long) MAX_TTL_SECONDS
                        + "; nothing was written");
            }
            return Duration.ofNanos((long) Math.ceil(seconds * 1e9));
        }

        /** A time to live that may not be left out. */
        Duration requiredTtl(int index) {
            Duration ttl = ttl(index);
            if (ttl == null) {
                throw wrong(index, "a number of seconds", null);
            }
            return ttl;
        }

        int permits(int index) {
            Object permits = at(index);
            if (!(permits instanceof Long count) || count < 1 || count > Integer.MAX_VALUE) {
                throw wrong(index, "an integer from 1 to " + Integer.MAX_VALUE, permits);
            }
            return (int) (long) count;
        }

        /** How long to wait; {@code null} (as long as it takes) when nil or left out. */
        Duration wait(int index) {
            Object wait = at(index);
            if (wait == null) {
                return null;
            }
            double seconds = seconds(index, wait);
            if (!(seconds >= 0) || seconds > MAX_TTL_SECONDS) {
                throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op.wireName + "\": wait " + wait
                        + " must be zero or a positive number of seconds");
            }
            return Duration.ofNanos((long) Math.ceil(seconds * 1e9));
        }

        long lease(int index) {
            Object id = at(index);
            if (!(id instanceof Long)) {
                throw wrong(index, "an integer, as acquire answered it", id);
            }
            return (Long) id;
        }

        long subscription(int index) {
            Object id = at(index);
            if (!(id instanceof Long)) {
                throw wrong(index, "an integer, as watch answered it", id);
            }
            return (Long) id;
        }

        String prefix(int index) {
            Object prefix = at(index);
            if (prefix == null) {
                return "";
            }
            if (!(prefix instanceof String)) {
                throw wrong(index, "a string or nil", prefix);
            }
            return (String) prefix;
        }

        List<String> keyList(int index) {
            Object argument = at(index);
            if (!(argument instanceof List<?>)) {
                throw wrong(index, "a list of keys", argument);
            }
            List<?> list = (List<?>) argument;
            List<String> keys = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                Object key = list.get(i);
                if (!(key instanceof String)) {
                    throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op.wireName + "\": key " + i
                            + " of the list must be a string, got " + describe(key));
                }
                keys.add((String) key);
            }
            return keys;
        }

        Map<String, Object> entries(int index) {
            Object argument = at(index);
            if (!(argument instanceof Map<?, ?>)) {
                throw wrong(index, "a map of key to value", argument);
            }
            Map<?, ?> map = (Map<?, ?>) argument;
            Map<String, Object> entries = new LinkedHashMap<>(map.size() * 4 / 3 + 1);
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String)) {
                    throw new Refusal(ErrorCode.BAD_ARGUMENT, "op \"" + op.wireName + "\": every key must be a"
                            + " string, got " + describe(entry.getKey()) + " " + entry.getKey()
                            + "; nothing was written");
                }
                entries.put((String) entry.getKey(), entry.getValue());
            }
            return Collections.unmodifiableMap(entries);
        }
    }
}
