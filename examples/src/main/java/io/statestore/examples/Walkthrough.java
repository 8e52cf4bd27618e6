package io.statestore.examples;

import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The first steps with statestore, after the seed's own example: store a map, fetch it, count, list the
 * keys, remove. Prints one plain line per step ({@code operation key = result}) so scripts can read it.
 *
 * <pre>{@code
 * java -p examples/target/mods -m io.statestore.examples/io.statestore.examples.Walkthrough [STORE-URI]
 * }</pre>
 *
 * <p>The store URI defaults to {@code memory:}; any installed backend works, for example
 * {@code mapdb:./walkthrough.db}. The walkthrough removes the keys it creates, so every run against the
 * same store prints the same lines.
 */
public final class Walkthrough {

    private Walkthrough() {
    }

    /**
     * Runs the walkthrough.
     *
     * @param args the store URI, optional
     */
    public static void main(String[] args) {
        String uri = args.length > 0 ? args[0] : StateStores.DEFAULT_URI;
        try (StateStore store = StateStores.open(uri)) {
            System.out.println("opened " + uri);
            walk(store, System.out);
        } catch (IllegalArgumentException | StateStoreException e) {
            // A bad URI or option, or a backend that cannot open (a file in use, a cluster out of reach).
            System.err.println("walkthrough: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Walks through the operations on a store.
     *
     * @param store an open store; the keys {@code my_key} and {@code counter} are used and removed again
     * @param out   where to print
     */
    public static void walk(StateStore store, PrintStream out) {
        Map<String, Object> myValue = Map.of("data", List.of(1, 2, 3));
        store.store("my_key", myValue);
        out.println("store my_key = " + myValue);

        Object value = store.fetch("my_key").orElseThrow();
        out.println("fetch my_key = " + value);
        // Typed fetch: integers come back as Long, whatever was stored.
        List<?> data = (List<?>) store.fetch("my_key", Map.class).orElseThrow().get("data");
        out.println("fetch my_key data = " + data + " (" + data.get(0).getClass().getSimpleName() + ")");

        out.println("incr counter = " + store.incr("counter"));
        out.println("incr counter 10 = " + store.incr("counter", 10));
        out.println("decr counter = " + store.decr("counter"));

        out.println("keys = " + new TreeSet<>(store.keys()));

        out.println("remove my_key = " + store.remove("my_key"));
        out.println("fetch my_key = " + store.fetch("my_key").map(String::valueOf).orElse("(absent)"));
        out.println("remove counter = " + store.remove("counter"));
    }
}
