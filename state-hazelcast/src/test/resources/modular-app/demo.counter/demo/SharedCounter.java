package demo;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.util.TreeSet;

/**
 * Opens the store of a URI, adds {@code increments} to a shared counter, then waits until the counter
 * reaches {@code expectedTotal} and every one of {@code peers} has said it is done, and prints what it saw.
 * Arguments: URI, name, increments, expectedTotal, peers.
 */
public final class SharedCounter {
    public static void main(String[] args) throws Exception {
        String name = args[1];
        int increments = Integer.parseInt(args[2]);
        long expectedTotal = Long.parseLong(args[3]);
        int peers = Integer.parseInt(args[4]);
        try (StateStore store = StateStores.open(args[0])) {
            System.out.println(name + " opened " + store.getClass().getName() + " from module "
                    + store.getClass().getModule().getName());
            for (int i = 0; i < increments; i++) {
                store.incr("demo-counter");
            }
            store.store("done-" + name, true);
            long deadline = System.currentTimeMillis() + 60_000;
            long seen;
            while ((seen = store.fetch("demo-counter", Long.class).orElse(0L)) < expectedTotal
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            System.out.println(name + " counter=" + seen);
            while (store.keys("done-").size() < peers && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            System.out.println(name + " keys=" + new TreeSet<>(store.keys()));
            // Stay up a moment so that the other side reads the total before this member leaves.
            Thread.sleep(1_000);
        }
    }
}
