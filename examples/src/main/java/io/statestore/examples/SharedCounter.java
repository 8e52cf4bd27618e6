package io.statestore.examples;

import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import java.time.Duration;
import java.time.Instant;

/**
 * One counter shared by several JVMs: each JVM adds its share, then waits until every share is counted.
 * Run it in two JVMs whose {@code hazelcast:} URIs name each other and the file holding the cluster's
 * secret (made once, readable by you only), and both print the same total:
 *
 * <pre>{@code
 * (umask 077; head -c 32 /dev/urandom | base64 > cluster.secret)
 * java -p examples/target/mods -m io.statestore.examples/io.statestore.examples.SharedCounter \
 *     'hazelcast:?port=5701&members=127.0.0.1:5701,127.0.0.1:5702&secretFile=cluster.secret' 500 2
 * java -p examples/target/mods -m io.statestore.examples/io.statestore.examples.SharedCounter \
 *     'hazelcast:?port=5702&members=127.0.0.1:5701,127.0.0.1:5702&secretFile=cluster.secret' 500 2
 * }</pre>
 *
 * <p>Each JVM also waits, before it leaves, until every JVM has seen the total: a member that left early
 * would take its share of the cluster's partitions away while the others still read them.
 */
public final class SharedCounter {

    private static final String COUNTER = "shared-counter";
    private static final String SEEN = "shared-counter:seen";

    private SharedCounter() {
    }

    /**
     * Runs one participant.
     *
     * @param args the store URI, the increments this JVM adds, how many JVMs take part, and optionally
     *             the seconds to wait for the others (default 120)
     */
    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: SharedCounter STORE-URI INCREMENTS PARTICIPANTS [TIMEOUT-SECONDS]");
            System.exit(2);
        }
        String uri = args[0];
        int increments = Integer.parseInt(args[1]);
        int participants = Integer.parseInt(args[2]);
        Duration timeout = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 120);
        long expected = (long) increments * participants;
        try (StateStore store = StateStores.open(uri)) {
            System.out.println("opened " + uri);
            long last = 0;
            for (int i = 0; i < increments; i++) {
                last = store.incr(COUNTER);
            }
            System.out.println("added " + increments + ", counter was " + last + " after my last increment");
            awaitAtLeast(store, COUNTER, expected, timeout);
            System.out.println("counter = " + store.fetch(COUNTER, Long.class).orElseThrow());
            store.incr(SEEN);
            awaitAtLeast(store, SEEN, participants, timeout);
        } catch (IllegalArgumentException | StateStoreException e) {
            System.err.println("shared counter: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void awaitAtLeast(StateStore store, String key, long wanted, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (store.fetch(key, Long.class).orElse(0L) < wanted) {
            if (Instant.now().isAfter(deadline)) {
                System.err.println("shared counter: " + key + " did not reach " + wanted + " within " + timeout
                        + "; is the other JVM running and in the same cluster?");
                System.exit(1);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateStoreException("interrupted while waiting for " + key, e);
            }
        }
    }
}
