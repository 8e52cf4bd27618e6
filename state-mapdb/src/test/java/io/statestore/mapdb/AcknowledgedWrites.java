package io.statestore.mapdb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.OutcomeUnknownException;
import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.WriteNotAppliedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a store must hold after writes some of which failed: every acknowledged value; for a key whose last
 * write was refused unapplied ({@link WriteNotAppliedException}), the value before it; for a key whose last
 * write has an unknown outcome ({@link OutcomeUnknownException}), either. A counter likewise: its last
 * acknowledged value, plus at most the increments of unknown outcome since.
 */
final class AcknowledgedWrites {

    private static final String COUNTER = "counter";

    /** Each key's possible values; {@code null} stands for absent. */
    private final Map<String, Set<String>> possible = new HashMap<>();
    private long counter;
    private long unknownIncrements;
    int acknowledged;
    int notApplied;
    int unknown;
    final List<String> messages = new ArrayList<>();
    /** Whether any other store error counts as an unknown outcome too (for controls that break the promise). */
    boolean lenient;

    AcknowledgedWrites copy() {
        AcknowledgedWrites copy = new AcknowledgedWrites();
        copy.lenient = lenient;
        possible.forEach((key, values) -> copy.possible.put(key, new HashSet<>(values)));
        copy.counter = counter;
        copy.unknownIncrements = unknownIncrements;
        return copy;
    }

    Set<String> keys() {
        return possible.keySet();
    }

    /** Stores a value, recording the outcome; returns whether the write was acknowledged. */
    boolean store(StateStore store, String key, String value) {
        return attempt(key, value, () -> store.store(key, value));
    }

    /** Stores a batch, recording the outcome: a batch is all there or not there at all. */
    boolean storeAll(StateStore store, Map<String, String> batch) {
        try {
            store.storeAll(batch);
            batch.forEach((key, value) -> possible.put(key, nullable(value)));
            acknowledged++;
            return true;
        } catch (WriteNotAppliedException e) {
            refused(e);
        } catch (OutcomeUnknownException e) {
            batch.forEach((key, value) -> possible.computeIfAbsent(key, k -> nullable(null)).add(value));
            unknown(e);
        } catch (StateStoreException e) {
            if (!lenient) {
                throw e;
            }
            batch.forEach((key, value) -> possible.computeIfAbsent(key, k -> nullable(null)).add(value));
            unknown(e);
        }
        return false;
    }

    /** Removes a key, recording the outcome. */
    boolean remove(StateStore store, String key) {
        return attempt(key, null, () -> store.remove(key));
    }

    /** Increments the counter, recording the outcome. */
    boolean increment(StateStore store) {
        try {
            counter = store.incr(COUNTER);
            unknownIncrements = 0;
            acknowledged++;
            return true;
        } catch (WriteNotAppliedException e) {
            refused(e);
        } catch (OutcomeUnknownException e) {
            unknownIncrements++;
            unknown(e);
        } catch (StateStoreException e) {
            if (!lenient) {
                throw e;
            }
            unknownIncrements++;
            unknown(e);
        }
        return false;
    }

    private boolean attempt(String key, String value, Runnable write) {
        try {
            write.run();
            possible.put(key, nullable(value));
            acknowledged++;
            return true;
        } catch (WriteNotAppliedException e) {
            refused(e);
        } catch (OutcomeUnknownException e) {
            possible.computeIfAbsent(key, k -> nullable(null)).add(value);
            unknown(e);
        } catch (StateStoreException e) {
            if (!lenient) {
                throw e;
            }
            possible.computeIfAbsent(key, k -> nullable(null)).add(value);
            unknown(e);
        }
        return false;
    }

    private static Set<String> nullable(String value) {
        Set<String> values = new HashSet<>();
        values.add(value);
        return values;
    }

    private void refused(RuntimeException e) {
        notApplied++;
        messages.add(e.getMessage());
    }

    private void unknown(RuntimeException e) {
        unknown++;
        messages.add(e.getMessage());
    }

    /** Checks that the store holds what was acknowledged. */
    void checkAgainst(StateStore store, String context) {
        possible.forEach((key, allowed) -> {
            Optional<Object> stored = store.fetch(key);
            assertTrue(allowed.contains(stored.isPresent() ? stored.get() : null), () -> context + ": key " + key
                    + " holds " + describe(stored) + ", expected " + (allowed.size() == 1 ? "its acknowledged value"
                    : "one of its " + allowed.size() + " possible values"));
        });
        long stored = store.fetch(COUNTER, Long.class).orElse(0L);
        assertTrue(stored >= counter && stored <= counter + unknownIncrements, () -> context + ": the counter is "
                + stored + ", acknowledged " + counter + (unknownIncrements > 0 ? " and " + unknownIncrements
                + " increments of unknown outcome since" : ""));
    }

    private static String describe(Optional<Object> stored) {
        if (stored.isEmpty()) {
            return "nothing";
        }
        String text = String.valueOf(stored.get());
        long zeros = text.chars().filter(c -> c == 0).count();
        return "a value of " + text.length() + " characters" + (zeros > 0 ? ", " + zeros + " of them NUL" : "")
                + " that is not the acknowledged one";
    }
}
